import { type ArgumentMetadata, Injectable, ValidationPipe, type ValidationError } from '@nestjs/common';
import { getMetadataStorage } from 'class-validator';
import type { Problem } from '../contracts/validation.js';
import { DomainError, invalid } from './errors.js';

/** `conditions[0].count_value`: an index in brackets, a field after a dot, as the contract validators write paths. */
const join = (parent: string, property: string) =>
  /^\d+$/.test(property) ? `${parent}[${property}]` : parent ? `${parent}.${property}` : property;

/** The fields a DTO class declares, named in the reason of an unknown one. */
const fieldsOf = (target: object | undefined) =>
  target
    ? [
        ...new Set(
          getMetadataStorage()
            .getTargetValidationMetadatas(target.constructor, '', true, false)
            .map((m) => m.propertyName),
        ),
      ]
    : [];

/** Every problem of a validated DTO, nested ones included, each with its dotted path. */
export function problemsOf(errors: ValidationError[], parent = ''): Problem[] {
  return errors.flatMap((e) => {
    const path = join(parent, e.property);
    const own = Object.entries(e.constraints ?? {}).map(([name, message]) => ({
      path,
      reason: name === 'whitelistValidation' ? `is not allowed (unknown field; known: ${fieldsOf(e.target).join(', ')})` : message,
    }));
    return [...own, ...problemsOf(e.children ?? [], path)];
  });
}

const WHAT: Partial<Record<ArgumentMetadata['type'], string>> = { body: 'body', query: 'query', param: 'path' };

/**
 * The one validation of requests: DTO classes (class-validator, class-transformer) for query strings,
 * path parameters and bodies, with unknown fields refused and values turned into their types. A bad
 * request is a 400 listing every problem with its path, as the rest of the API answers.
 * Bodies validated by the contracts (rule documents, event envelopes) come through `RequiredBody`, a
 * custom decorator this pipe leaves alone.
 */
@Injectable()
export class RequestValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      // One reason per field: the first check that fails (checks run in the order they are declared).
      stopAtFirstError: true,
      // The DTO an unknown field was found in, to name the known ones.
      validationError: { target: true },
      exceptionFactory: (errors) => invalid('invalid request', problemsOf(errors)),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const dto = metadata.metatype && this.toValidate(metadata);
    if (dto && metadata.type === 'body' && value !== undefined && value !== null && (typeof value !== 'object' || Array.isArray(value)))
      throw invalid('the body must be a JSON object', [{ path: '', reason: 'must be a JSON object' }]);
    try {
      return (await super.transform(value, metadata)) as unknown;
    } catch (e) {
      // The message says what was wrong: the body, the query string or the path.
      if (e instanceof DomainError && e.code === 'invalid' && e.message === 'invalid request')
        throw invalid(`invalid ${WHAT[metadata.type] ?? 'request'}`, e.problems);
      throw e;
    }
  }
}
