/**
 * The demo's stand-in for a model: the same prompt always yields the same tokens, so a test (or
 * a person comparing two tabs) knows exactly what a job's full output must be.
 */

/** A prompt containing this marker makes the generator throw halfway through: a job that `failed`. */
export const FAIL_MARKER = '#fail';

/** Thrown by a generator whose prompt asked it to fail. Its message is what viewers see. */
export class GenerationError extends Error {
  override readonly name = 'GenerationError';
}

/** The tokens a job emits for `prompt`, in order; joined, they are the job's full output. */
export function tokensFor(prompt: string, count: number): string[] {
  const random = mulberry32(fnv1a(prompt));
  const tokens: string[] = [];
  let sentenceLeft = 0;
  for (let index = 0; index < count; index += 1) {
    const startsSentence = sentenceLeft === 0;
    if (startsSentence) sentenceLeft = 4 + Math.floor(random() * 9);
    let word = WORDS[Math.floor(random() * WORDS.length)]!;
    if (startsSentence) word = word[0]!.toUpperCase() + word.slice(1);
    sentenceLeft -= 1;
    const last = index === count - 1;
    if (sentenceLeft === 0 || last) word += '.';
    else if (random() < 0.08) word += ',';
    tokens.push(index === 0 ? word : ` ${word}`);
  }
  return tokens;
}

/** The job's full output: every token, joined. */
export function outputFor(prompt: string, count: number): string {
  return tokensFor(prompt, count).join('');
}

/**
 * Where the generator throws for `prompt`, as the number of tokens emitted before it does;
 * undefined when it does not. With the marker, it fails after half the tokens (rounded down).
 */
export function failurePointFor(prompt: string, count: number): number | undefined {
  return prompt.includes(FAIL_MARKER) ? Math.floor(count / 2) : undefined;
}

/** 32-bit FNV-1a over the prompt's UTF-16 code units: a stable seed, not a security hash. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** A small seeded PRNG in [0, 1): the same seed gives the same sequence on every platform. */
function mulberry32(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const WORDS = [
  'stream',
  'token',
  'cursor',
  'replay',
  'server',
  'client',
  'event',
  'buffer',
  'signal',
  'river',
  'lantern',
  'harbor',
  'meadow',
  'quiet',
  'bright',
  'steady',
  'distant',
  'gentle',
  'swift',
  'patient',
  'the',
  'a',
  'every',
  'each',
  'another',
  'its',
  'our',
  'their',
  'some',
  'no',
  'carries',
  'remembers',
  'returns',
  'resumes',
  'waits',
  'listens',
  'writes',
  'reads',
  'finds',
  'keeps',
  'after',
  'before',
  'beyond',
  'through',
  'within',
  'across',
  'under',
  'over',
  'beside',
  'toward',
  'morning',
  'evening',
  'winter',
  'summer',
  'mountain',
  'garden',
  'window',
  'letter',
  'answer',
  'question',
  'and',
  'but',
  'so',
  'while',
  'because',
  'until',
  'again',
  'softly',
  'always',
  'never',
  'offset',
  'epoch',
  'heartbeat',
  'guardian',
  'record',
  'job',
  'prompt',
  'output',
  'reader',
  'page',
] as const;
