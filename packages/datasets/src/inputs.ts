import { basename } from 'node:path';
import { isRecord, parseGammaEvent, parseGammaKeysetPage, parseGammaMarkets, type GammaBatch, type GammaRejection } from '@floor/polymarket';
import { PricesHistoryBody } from './build.js';

/**
 * Recognising what a research input is, from its JSON shape (pure; the caller reads the file):
 * - a JSON array of Gamma market objects (`GET /markets`, as the API returns it);
 * - a JSON array of Gamma event objects, each with `markets[]` (`GET /events`);
 * - a `GET /markets/keyset` page `{markets:[…], next_cursor}`;
 * - a `GET /prices-history` body `{history:[{t,p}]}`, whose token comes from the file name or `--token`.
 */

export type ClassifiedInput =
  | { readonly kind: 'gamma'; readonly batch: GammaBatch }
  | { readonly kind: 'history'; readonly points: readonly unknown[] };

/** Why a file is not one of the inputs we know; the caller prefixes the file name. */
export class InputShapeError extends Error {}

export function classifyInput(json: unknown): ClassifiedInput {
  if (Array.isArray(json)) {
    if (json.length > 0 && json.every(isEventObject)) return { kind: 'gamma', batch: parseEvents(json) };
    return { kind: 'gamma', batch: parseGammaMarkets(json) };
  }
  const history = PricesHistoryBody.safeParse(json);
  if (history.success) return { kind: 'history', points: history.data.history };
  if (isRecord(json) && Array.isArray(json['markets'])) {
    const page = parseGammaKeysetPage(json);
    if (page.ok) return { kind: 'gamma', batch: page.value };
  }
  const shape = Array.isArray(json) ? 'an array' : json === null ? 'null' : isRecord(json) ? `an object with keys ${Object.keys(json).slice(0, 5).join(', ') || '(none)'}` : typeof json;
  throw new InputShapeError(
    `neither a Gamma /markets (or /events) array nor a /prices-history object {history:[{t,p}]}: got ${shape}`,
  );
}

/** Gamma events hold their markets; a market object has a `conditionId` instead. */
function isEventObject(value: unknown): boolean {
  return isRecord(value) && Array.isArray(value['markets']) && !('conditionId' in value);
}

function parseEvents(raws: readonly unknown[]): GammaBatch {
  const accepted: GammaBatch['accepted'][number][] = [];
  const rejected: GammaRejection[] = [];
  for (const raw of raws) {
    const event = parseGammaEvent(raw);
    if (event.ok) {
      accepted.push(...event.value.accepted);
      rejected.push(...event.value.rejected);
    } else {
      const id = isRecord(raw) && typeof raw['id'] === 'string' ? raw['id'] : null;
      rejected.push({ reason: 'invalid_payload', detail: `event ${id ?? '?'}: ${event.detail}`, gammaId: null, marketId: null, question: null });
    }
  }
  return { accepted, rejected };
}

/**
 * The token a prices-history file is for, from its name: `<tokenId>.json` or
 * `prices-history-<tokenId>.json` (also with `_`). Token ids are decimal uint256 strings.
 */
export function tokenIdFromFileName(path: string): string | null {
  const stem = basename(path).replace(/\.json$/i, '');
  return /^(?:prices[-_]history[-_])?(\d+)$/i.exec(stem)?.[1] ?? null;
}
