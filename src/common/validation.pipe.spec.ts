import 'reflect-metadata';
import { Type } from 'class-transformer';
import { ValidateNested } from 'class-validator';
import { Check } from './dto.js';
import { DomainError } from './errors.js';
import { RequestValidationPipe } from './validation.pipe.js';

class Step {
  @Check('name', (v) => typeof v === 'string' && v.length > 0, 'must be a non-empty string')
  name!: string;
}

class Plan {
  @Check('steps', (v) => Array.isArray(v), 'must be an array')
  @ValidateNested({ each: true })
  @Type(() => Step)
  steps!: Step[];

  @ValidateNested()
  @Type(() => Step)
  first!: Step;
}

const pipe = new RequestValidationPipe();
const problemsOf = async (value: unknown) => {
  try {
    await pipe.transform(value, { type: 'body', metatype: Plan, data: '' });
    return [];
  } catch (e) {
    expect(e).toBeInstanceOf(DomainError);
    return (e as DomainError).problems;
  }
};

describe('RequestValidationPipe', () => {
  it('names nested problems as the contracts do: an index in brackets, a field after a dot; all of them at once', async () => {
    expect(await problemsOf({ steps: [{ name: 'a' }, { name: '' }, { name: 'c', extra: 1 }], first: { name: 7 } })).toEqual([
      { path: 'steps[1].name', reason: 'must be a non-empty string' },
      { path: 'steps[2].extra', reason: 'is not allowed (unknown field; known: name)' },
      { path: 'first.name', reason: 'must be a non-empty string' },
    ]);
  });

  it('refuses a body that is not an object with the path of the whole body', async () => {
    for (const body of [[], 'text', 3]) expect(await problemsOf(body)).toEqual([{ path: '', reason: 'must be a JSON object' }]);
  });

  it('passes a valid body on as an instance of its class', async () => {
    const plan = await pipe.transform({ steps: [{ name: 'a' }], first: { name: 'b' } }, { type: 'body', metatype: Plan, data: '' });
    expect(plan).toBeInstanceOf(Plan);
    expect((plan as Plan).steps[0]).toBeInstanceOf(Step);
  });
});
