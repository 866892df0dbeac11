import { Controller, Delete, Get, HttpCode, Param, Post, Put, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { RULE_SCHEMA } from '../contracts/rule.js';
import { validateRule } from '../contracts/validation.js';
import { authorOf } from '../auth/api-key.guard.js';
import { RequireRole } from '../auth/roles.js';
import { RequiredBody, RuleIdPipe, VersionPipe } from '../common/pipes.js';
import { PROBLEM_SCHEMA } from '../common/openapi.js';
import { RulesService } from './rules.service.js';
import {
  RULE_RESPONSE_SCHEMA,
  RULE_VALIDATION_RESPONSE_SCHEMA,
  RULE_VERSIONS_RESPONSE_SCHEMA,
  RULE_WRITE_RESPONSE_SCHEMA,
  toRuleResponse,
  toRuleWriteResponse,
  toVersionsResponse,
} from './rules.dto.js';
import { parseRuleBody, RuleDocumentBody, YAML_TYPES } from './rule-body.js';

const by = authorOf;

const NOT_FOUND = { status: 404, description: 'No rule with this id', schema: PROBLEM_SCHEMA };
const INVALID = { status: 400, description: 'Invalid rule: each problem with its JSON path and reason', schema: PROBLEM_SCHEMA };

@ApiTags('rules')
@ApiBearerAuth()
@ApiSecurity('api-key')
@Controller('journey/rules')
export class RulesController {
  constructor(private readonly rules: RulesService) {}

  @Get()
  @RequireRole('reader')
  @ApiOperation({ summary: 'List all rules (active and inactive), highest priority first' })
  @ApiResponse({
    status: 200,
    schema: { type: 'object', properties: { rules: { type: 'array', items: RULE_RESPONSE_SCHEMA }, count: { type: 'integer' } } },
  })
  async list() {
    const rules = (await this.rules.list()).map(toRuleResponse);
    return { rules, count: rules.length };
  }

  @Get('schema')
  @RequireRole('reader')
  @ApiOperation({ summary: 'The JSON Schema (draft 2020-12) of a rule document' })
  @ApiResponse({ status: 200, schema: { type: 'object' } })
  schema() {
    return RULE_SCHEMA;
  }

  @Post('validate')
  @RequireRole('reader')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Check a rule document without saving it (JSON or YAML body): its problems, each with its path, and its warnings',
    description:
      'The validator POST /journey/rules uses; nothing is stored or evaluated. Editors (the console) call it as the author types.',
  })
  @RuleDocumentBody()
  @ApiResponse({ status: 200, schema: RULE_VALIDATION_RESPONSE_SCHEMA })
  @ApiResponse({ status: 400, description: 'The body is not JSON or YAML at all', schema: PROBLEM_SCHEMA })
  validate(@RequiredBody() body: unknown) {
    const { ok, problems, warnings } = validateRule(parseRuleBody(body));
    return { valid: ok, problems, warnings };
  }

  @Get(':id')
  @RequireRole('reader')
  @ApiOperation({ summary: 'Get a rule by its business id (e.g. mentor_ready_001)' })
  @ApiResponse({ status: 200, schema: RULE_RESPONSE_SCHEMA })
  @ApiResponse(NOT_FOUND)
  async get(@Param('id', RuleIdPipe) id: string) {
    return toRuleResponse(await this.rules.get(id));
  }

  @Post()
  @RequireRole('admin')
  @ApiOperation({ summary: 'Create a rule (JSON or YAML body)' })
  @RuleDocumentBody()
  @ApiResponse({ status: 201, schema: RULE_WRITE_RESPONSE_SCHEMA })
  @ApiResponse(INVALID)
  @ApiResponse({ status: 409, description: 'A rule with this id exists', schema: PROBLEM_SCHEMA })
  async create(@RequiredBody() body: unknown, @Req() req: Request) {
    return toRuleWriteResponse(await this.rules.create(parseRuleBody(body), by(req)));
  }

  @Put(':id')
  @RequireRole('admin')
  @ApiOperation({
    summary: 'Update a rule: the fields given replace those stored, a field given as null is removed; the result is validated whole',
  })
  @ApiConsumes('application/json', ...YAML_TYPES)
  @ApiBody({
    schema: { type: 'object', description: 'Any subset of the rule fields' },
    examples: {
      priority: { summary: 'A new priority', value: { priority: 20 } },
      deactivate: { summary: 'Deactivate', value: { active: false } },
    },
  })
  @ApiResponse({ status: 200, schema: RULE_WRITE_RESPONSE_SCHEMA })
  @ApiResponse(INVALID)
  @ApiResponse(NOT_FOUND)
  async update(@Param('id', RuleIdPipe) id: string, @RequiredBody() body: unknown, @Req() req: Request) {
    return toRuleWriteResponse(await this.rules.update(id, parseRuleBody(body), by(req)));
  }

  @Delete(':id')
  @RequireRole('admin')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a rule (flags it set stay as they are)' })
  @ApiResponse({ status: 204 })
  @ApiResponse(NOT_FOUND)
  async remove(@Param('id', RuleIdPipe) id: string) {
    await this.rules.remove(id);
  }

  @Get(':id/versions')
  @RequireRole('reader')
  @ApiOperation({ summary: 'Every version of a rule, oldest first: number, document, who wrote it (the key role) and when' })
  @ApiResponse({ status: 200, schema: RULE_VERSIONS_RESPONSE_SCHEMA })
  @ApiResponse(NOT_FOUND)
  async versions(@Param('id', RuleIdPipe) id: string) {
    return toVersionsResponse(id, await this.rules.versions(id));
  }

  @Post(':id/rollback/:version')
  @RequireRole('admin')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Make an earlier version current again, as a new version (restores a deleted rule); existing participants are backfilled',
  })
  @ApiResponse({ status: 200, schema: RULE_WRITE_RESPONSE_SCHEMA })
  @ApiResponse({ status: 400, description: 'Not a version number, or the old document is no longer valid', schema: PROBLEM_SCHEMA })
  @ApiResponse({ status: 404, description: 'No such rule or version', schema: PROBLEM_SCHEMA })
  async rollback(@Param('id', RuleIdPipe) id: string, @Param('version', VersionPipe) version: number, @Req() req: Request) {
    return toRuleWriteResponse(await this.rules.rollback(id, version, by(req)));
  }

  @Post(':id/activate')
  @RequireRole('admin')
  @HttpCode(200)
  @ApiOperation({ summary: 'Activate a rule' })
  @ApiResponse({ status: 200, schema: RULE_RESPONSE_SCHEMA })
  @ApiResponse(NOT_FOUND)
  async activate(@Param('id', RuleIdPipe) id: string, @Req() req: Request) {
    return toRuleResponse(await this.rules.setActive(id, true, by(req)));
  }

  @Post(':id/deactivate')
  @RequireRole('admin')
  @HttpCode(200)
  @ApiOperation({ summary: 'Deactivate a rule' })
  @ApiResponse({ status: 200, schema: RULE_RESPONSE_SCHEMA })
  @ApiResponse(NOT_FOUND)
  async deactivate(@Param('id', RuleIdPipe) id: string, @Req() req: Request) {
    return toRuleResponse(await this.rules.setActive(id, false, by(req)));
  }
}
