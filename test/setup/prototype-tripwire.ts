import { afterEach, expect } from '@jest/globals';

// A tripwire for prototype pollution: after every test, Object.prototype and Array.prototype hold exactly
// the properties they held before it. The servers under test run in this process, so a request that
// polluted the server's prototypes fails the test that sent it.

function describeOwn(target: object): string[] {
  return Reflect.ownKeys(target).map((key) => {
    const descriptor = Object.getOwnPropertyDescriptor(target, key);
    return `${String(key)}:${typeof descriptor?.value}:${descriptor?.get ? 'get' : ''}:${descriptor?.set ? 'set' : ''}`;
  });
}

const objectBefore = describeOwn(Object.prototype);
const arrayBefore = describeOwn(Array.prototype);

afterEach(() => {
  expect(describeOwn(Object.prototype)).toEqual(objectBefore);
  expect(describeOwn(Array.prototype)).toEqual(arrayBefore);
});
