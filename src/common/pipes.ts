import { Injectable, type PipeTransform, type ArgumentMetadata } from '@nestjs/common';
import { invalid } from './errors.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A UUID path parameter, or a 400 naming the parameter. */
@Injectable()
export class UuidPipe implements PipeTransform<string, string> {
  transform(value: string, meta: ArgumentMetadata): string {
    if (!UUID.test(value))
      throw invalid(`${meta.data ?? 'id'} must be a UUID`, [
        { path: meta.data ?? 'id', reason: `must be a UUID, got "${value.slice(0, 100)}"` },
      ]);
    return value.toLowerCase();
  }
}
