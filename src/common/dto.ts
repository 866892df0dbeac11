/**
 * Property decorators of request DTOs: each declares a field once, for the validation (class-validator),
 * the conversion to its type (class-transformer) and the OpenAPI document (@nestjs/swagger).
 *
 * Checks run in the order they are registered and stop at the first that fails (RequestValidationPipe),
 * so each helper lists the most basic check first: given once, then the type, then the range.
 */
import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, type ApiPropertyOptions } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional, ValidateBy, type ValidationArguments } from 'class-validator';
import { instantProblem } from '../contracts/instant.js';

type Api = Omit<ApiPropertyOptions, 'required'> & { required?: boolean };

/** One check with its reason (which may depend on the value). */
export const Check = (
  name: string,
  test: (value: unknown, args: ValidationArguments) => boolean,
  reason: string | ((args: ValidationArguments) => string),
) => ValidateBy({ name, validator: { validate: test, defaultMessage: typeof reason === 'string' ? () => reason : reason } });

/** Documented as required or optional; an optional field may be absent (or null in a body). */
export const Documented = (api: Api) => {
  const { required = false, ...rest } = api;
  return required
    ? ApiProperty(rest as ApiPropertyOptions)
    : applyDecorators(IsOptional(), ApiPropertyOptional(rest as ApiPropertyOptions));
};

/** A query parameter given twice arrives as an array: refused before anything else is said about it. */
const Once = () => Check('once', (v) => !Array.isArray(v), 'must be given once');

/** A query parameter given once, then its own checks and conversion. */
export const QueryParam = (api: Api, ...checks: PropertyDecorator[]) =>
  applyDecorators(Documented({ type: String, ...api }), Once(), ...checks);

/** An integer query parameter from `min` to `max`. */
export const IntegerParam = (min: number, max: number, api: Api) =>
  applyDecorators(
    Documented({ type: 'integer', minimum: min, maximum: max, ...api }),
    Once(),
    Check(
      'integer',
      (v) => Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max,
      `must be an integer from ${min} to ${max}`,
    ),
    Transform(({ value }: { value: unknown }) => (typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : value)),
  );

/** `true` or `false` in a query string, as a boolean. */
export const BooleanParam = (api: Api) =>
  applyDecorators(
    Documented({ type: Boolean, ...api }),
    Once(),
    Check('boolean', (v) => typeof v === 'boolean', 'must be true or false'),
    Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value)),
  );

const instantReason = ({ value }: ValidationArguments) =>
  typeof value === 'string' ? (instantProblem(value) ?? 'must be a valid date-time') : 'must be a date-time string';

/**
 * An instant (RFC 3339, the contracts' range) in a body, as epoch milliseconds. A JSON number is not an
 * instant: boxed (typeof 'object'), it fails the check as a value that is not a string.
 */
export const InstantField = (api: Api) =>
  applyDecorators(
    Documented({ type: String, format: 'date-time', ...api }),
    Check('instant', (v) => typeof v === 'number', instantReason),
    Transform(({ value }: { value: unknown }) =>
      typeof value === 'string' && instantProblem(value) === undefined
        ? Date.parse(value)
        : typeof value === 'number'
          ? (Object(value) as object)
          : value,
    ),
  );

/** An instant in a query string, given once, as epoch milliseconds. */
export const Instant = (api: Api) => applyDecorators(Once(), InstantField(api));
