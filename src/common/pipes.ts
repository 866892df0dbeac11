import {
  createParamDecorator,
  Injectable,
  mixin,
  type ArgumentMetadata,
  type ExecutionContext,
  type PipeTransform,
  type Type,
} from '@nestjs/common';
import type { Request } from 'express';
import { NAME_PATTERN } from '../contracts/rule.js';
import { UUID_PATTERN } from '../contracts/validation.js';
import { invalid } from './errors.js';

/** Shown in place of a parameter that cannot be printed safely (a NUL, control or format characters). */
const printable = (value: string) =>
  /^[\x20-\x7e]*$/.test(value) ? `"${value.slice(0, 100)}"` : 'a value with characters that are not allowed';

/**
 * A path parameter that must match `pattern`, or a 400 naming the parameter (its name, else
 * `fallback`): `message` and `reason` say what it must be. `canonical` gives the form the service
 * works with.
 */
function patternPipe(
  pattern: RegExp,
  fallback: string,
  message: (name: string) => string,
  reason: (name: string, value: string) => string,
  canonical: (value: string) => string = (value) => value,
): Type<PipeTransform<string, string>> {
  @Injectable()
  class PatternPipe implements PipeTransform<string, string> {
    transform(value: string, meta: ArgumentMetadata): string {
      const name = meta.data ?? fallback;
      if (!pattern.test(value)) throw invalid(message(name), [{ path: name, reason: reason(name, value) }]);
      return canonical(value);
    }
  }
  return mixin(PatternPipe);
}

/** A UUID path parameter in its canonical (lower-case) form. */
export const UuidPipe = patternPipe(
  UUID_PATTERN,
  'id',
  (name) => `${name} must be a UUID`,
  (_, value) => `must be a UUID, got ${printable(value)}`,
  (value) => value.toLowerCase(),
);

const RULE_ID = new RegExp(NAME_PATTERN);

/** A rule id path parameter (the rule document's id pattern). */
export const RuleIdPipe = patternPipe(
  RULE_ID,
  'id',
  (name) => `${name} is not a rule id`,
  (_, value) => `must be a rule id (1–100 letters, digits, _ . -, starting with a letter or digit), got ${printable(value)}`,
);

/** A flag or milestone name path parameter (the rule document's name pattern). */
export const NamePipe = patternPipe(
  RULE_ID,
  'name',
  (name) => `invalid ${name} name`,
  (name) => `must be a ${name} name (1–100 letters, digits, _ . -, starting with a letter or digit)`,
);

/**
 * A version number path parameter (1, 2, …), or a 400 naming the parameter. The global ValidationPipe
 * has already read the text as a number (the parameter is declared `number`): NaN, 0, a fraction or a
 * negative number is refused here.
 */
@Injectable()
export class VersionPipe implements PipeTransform<number | string, number> {
  transform(value: number | string, meta: ArgumentMetadata): number {
    const name = meta.data ?? 'version';
    const n = typeof value === 'number' ? value : /^[1-9][0-9]{0,8}$/.test(value) ? Number(value) : NaN;
    if (!Number.isInteger(n) || n < 1 || n > 999_999_999)
      throw invalid(`${name} must be a positive integer`, [{ path: name, reason: 'must be a positive integer' }]);
    return n;
  }
}

/** Whether a request came without a body: body-parser gives `{}` for an empty JSON body, so the length decides. */
function bodyIsEmpty(req: Request): boolean {
  const length = req.headers['content-length'];
  if (length === '0' || (length === undefined && req.headers['transfer-encoding'] === undefined)) return true;
  const body = req.body as unknown;
  return body === undefined || (typeof body === 'string' && body.trim() === '');
}

/**
 * The request body, which must be there: none at all (or only white space) is a 400 saying so,
 * not a list of every missing field.
 */
export const RequiredBody = createParamDecorator((_: unknown, ctx: ExecutionContext): unknown => {
  const req = ctx.switchToHttp().getRequest<Request>();
  if (bodyIsEmpty(req))
    throw invalid('the body is empty', [
      { path: '', reason: 'the body is empty: send a JSON document (or YAML where the route takes it)' },
    ]);
  return req.body as unknown;
});
