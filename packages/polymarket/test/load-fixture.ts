import { readFileSync } from 'node:fs';

/** Fixtures are the project's own payloads in the venue's shapes: test/fixtures/<surface>_<message>.json. */
const FIXTURES_DIR = new URL('./fixtures/', import.meta.url);

/** The fixture's text exactly as a frame would carry it. */
export function fixtureText(name: string): string {
  return readFileSync(new URL(name, FIXTURES_DIR), 'utf8');
}

/** The fixture decoded as JSON (what an HTTP client hands a REST parser). */
export function fixtureJson(name: string): unknown {
  return JSON.parse(fixtureText(name)) as unknown;
}
