/**
 * `npm run demo`: fills a running engine, through its public HTTP API, with a realistic population —
 * by default 2,000 participants over the last six months of buddy matches, Kintell sessions, courses,
 * enrollments and Q2Q scores, with varied ratings and gaps — so that every default rule fires for some,
 * flags flip with time (events are dated relative to today), and trends have a shape.
 *
 * Seeded and repeatable: the same --seed gives the same participants and events, event ids included, so
 * running it twice changes nothing (the second run's events are all duplicates). Dates are anchored at
 * today's midnight UTC, so a rerun on the same day sends byte-identical events.
 *
 *   npm run demo -- [--url URL] [--key KEY] [--participants N] [--seed N] [--json]
 *
 * URL and key default to JOURNEY_URL and JOURNEY_API_KEY (a service key is enough). Prints a progress
 * bar on a terminal, then the counts: events accepted and duplicated, participants holding each flag.
 */
import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';

interface Envelope {
  id: string;
  type: string;
  version: 'v1';
  timestamp: string;
  data: Record<string, unknown>;
}

const DAY = 86_400_000;
const BATCH = 1000; // the most POST /journey/events takes at once: fewer, larger transactions

/* ------------------------------------------------------------------ deterministic randomness and ids */

/** mulberry32: a small seeded generator; one per participant, so a participant does not depend on the others. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A UUID (version 5 layout) from a name: the same name, the same id, run after run. */
function uuidOf(name: string): string {
  const h = createHash('sha1').update(`journey-demo:${name}`).digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/* ------------------------------------------------------------------ the population */

const COURSES = [
  ['c-python', 'Python basics'],
  ['c-excel', 'Spreadsheets at work'],
  ['c-care', 'Care assistant'],
  ['c-cv', 'Writing a CV'],
  ['c-it', 'IT support'],
] as const;
const DIMENSIONS = ['confidence', 'belonging', 'language_comfort', 'job_readiness', 'well_being'] as const;
const BUDDY_EVENTS = ['coffee', 'museum', 'football', 'cooking', 'city walk'] as const;
const MOODS = ['great', 'good', 'ok', 'low'] as const;
const LEVELS = ['A1', 'A2', 'B1', 'B2', 'C1'] as const;

/**
 * One participant's events. Each joins at some point in the six months (more of them lately: the
 * program grows), takes part in one to three programs, and stops at some point: a quarter go quiet for
 * over 14 days (followup_needed), a few of them only hours before the 14 days are up (the flag flips
 * while you watch).
 */
function participant(seed: number, index: number, today: number, months: number): Envelope[] {
  const r = rng(seed * 1_000_003 + index);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)];
  const userId = uuidOf(`${seed}/participant/${index}`);
  const span = months * 30 * DAY;
  // sqrt: a participant is likelier to have joined lately.
  const joined = today - span + Math.sqrt(r()) * (span - 7 * DAY);
  const quiet = r();
  const lastActive =
    quiet < 0.04
      ? today - 14 * DAY + (1 + Math.floor(r() * 48)) * 3_600_000 // flips in the next 2 days
      : quiet < 0.28
        ? today - (15 + r() * 60) * DAY // quiet for a while: followup_needed
        : today - r() * 10 * DAY; // active lately
  const end = Math.max(joined + DAY, lastActive);
  const at = (t: number) => new Date(Math.round(Math.min(t, end) / 1000) * 1000).toISOString();
  const between = (from: number, to: number) => from + r() * Math.max(0, to - from);
  const events: Envelope[] = [];
  let n = 0;
  const emit = (type: string, t: number, data: Record<string, unknown>) =>
    events.push({ id: uuidOf(`${seed}/${index}/${n++}`), type, version: 'v1', timestamp: at(t), data });
  const key = (what: string, i = 0) => `demo-${seed}-${index}-${what}-${i}`;

  const programs = new Set<'buddy' | 'language' | 'mentorship' | 'upskilling'>();
  while (programs.size === 0 || (programs.size < 3 && r() < 0.35))
    programs.add(pick(['buddy', 'language', 'mentorship', 'upskilling'] as const));
  for (const program of programs) {
    const status = r() < 0.12 ? 'dropped' : 'active';
    emit('program.enrollment.created', joined, {
      enrollmentId: key(`enr-${program}`),
      userId,
      programType: program,
      status: 'active',
      enrolledAt: at(joined),
    });
    if (status === 'dropped') {
      const t = between(joined + 14 * DAY, end);
      emit('program.enrollment.updated', t, {
        enrollmentId: key(`enr-${program}`),
        userId,
        programType: program,
        status,
        updatedAt: at(t),
      });
    }
  }

  if (programs.has('language') || programs.has('mentorship')) {
    // Ratings centred per participant: some consistently good (mentor_ready once they have 3), some not.
    const skill = 2.6 + r() * 2.4;
    const sessions = Math.floor(r() * 9);
    for (let i = 0; i < sessions; i++) {
      const t = between(joined, end);
      const sessionType = programs.has('language') && (!programs.has('mentorship') || r() < 0.7) ? 'language' : 'mentorship';
      const rating = Math.max(1, Math.min(5, Math.round(skill + (r() - 0.5) * 2)));
      const rated = r() < 0.8;
      emit('kintell.session.completed', t, {
        sessionId: key('ses', i),
        sessionType,
        participantId: userId,
        volunteerId: `vol-${Math.floor(r() * 60)}`,
        completedAt: at(t),
        durationMinutes: 30 + Math.floor(r() * 4) * 15,
        languageLevel: pick(LEVELS),
        ...(rated ? { rating } : {}),
      });
      if (!rated && r() < 0.6) {
        const later = t + between(3_600_000, 2 * DAY);
        emit('kintell.rating.created', later, {
          ratingId: key('rat', i),
          sessionId: key('ses', i),
          fromRole: 'participant',
          rating,
          createdAt: at(later),
        });
      }
    }
  }

  if (programs.has('buddy')) {
    const matched = between(joined, joined + 10 * DAY);
    const matchId = key('match');
    const buddyId = `buddy-${Math.floor(r() * 400)}`;
    emit('buddy.match.created', matched, { matchId, participantId: userId, buddyId, matchedAt: at(matched) });
    const meetings = Math.floor(r() * 10);
    for (let i = 0; i < meetings; i++) {
      const t = between(matched, end);
      if (r() < 0.6) emit('buddy.event.logged', t, { eventId: key('bev', i), matchId, eventType: pick(BUDDY_EVENTS), eventDate: at(t) });
      else emit('buddy.event.attended', t, { eventId: key('bev', i), userId, eventType: pick(BUDDY_EVENTS), attendedAt: at(t) });
      if (r() < 0.5)
        emit('buddy.checkin.completed', t + DAY, { checkinId: key('chk', i), matchId, checkinDate: at(t + DAY), mood: pick(MOODS) });
    }
    if (meetings > 2) {
      const t = between(matched + 30 * DAY, end);
      emit('buddy.feedback.submitted', t, {
        feedbackId: key('fb'),
        matchId,
        fromRole: r() < 0.5 ? 'participant' : 'buddy',
        rating: Math.round(r() * 100) / 100,
        submittedAt: at(t),
      });
    }
    if (r() < 0.15) {
      const t = between(matched + 20 * DAY, end);
      emit('buddy.match.ended', t, {
        matchId,
        participantId: userId,
        buddyId,
        endedAt: at(t),
        reason: pick(['moved', 'completed', 'no time']),
      });
    }
  }

  if (programs.has('upskilling')) {
    const courses = 1 + Math.floor(r() * 2);
    for (let c = 0; c < courses; c++) {
      const [courseId, courseName] = pick(COURSES);
      const progressId = key('prog', c);
      const steps = 1 + Math.floor(r() * 4);
      let t = between(joined, end);
      for (let s = 1; s <= steps; s++) {
        const percent = Math.min(100, Math.round((s / 4) * 100));
        emit('upskilling.progress.updated', t, {
          progressId,
          userId,
          courseId,
          courseName,
          progressPercent: percent,
          status: s === 1 ? 'enrolled' : 'in_progress',
          updatedAt: at(t),
        });
        t = between(t, Math.min(end, t + 20 * DAY));
      }
      if (steps === 4 && r() < 0.7) {
        emit('upskilling.course.completed', t, {
          progressId,
          userId,
          courseId,
          courseName,
          completedAt: at(t),
          finalScore: 50 + Math.floor(r() * 51),
        });
        if (r() < 0.8)
          emit('upskilling.credential.issued', t + DAY, {
            credentialId: key('cred', c),
            userId,
            courseId,
            credentialType: 'certificate',
            issuedAt: at(t + DAY),
          });
      }
    }
  }

  // The last thing they did, when they stopped: what followup_needed measures its 14 days from.
  if (programs.has('buddy'))
    emit('buddy.event.attended', end, { eventId: key('bev-last'), userId, eventType: pick(BUDDY_EVENTS), attendedAt: at(end) });
  else if (programs.has('upskilling'))
    emit('upskilling.progress.updated', end, {
      progressId: key('prog-last'),
      userId,
      courseId: 'c-cv',
      courseName: 'Writing a CV',
      progressPercent: 10,
      status: 'in_progress',
      updatedAt: at(end),
    });
  else
    emit('kintell.session.completed', end, {
      sessionId: key('ses-last'),
      sessionType: programs.has('language') ? 'language' : 'mentorship',
      participantId: userId,
      volunteerId: 'vol-0',
      completedAt: at(end),
      durationMinutes: 30,
    });

  // Q2Q: a score now and then; language comfort starts low for newcomers and mostly grows.
  const scores = Math.floor(r() * 4);
  let comfort = 0.2 + r() * 0.5;
  for (let i = 0; i < scores; i++) {
    const t = between(joined, end);
    const dimension = r() < 0.5 ? 'language_comfort' : pick(DIMENSIONS);
    const score = dimension === 'language_comfort' ? comfort : 0.3 + r() * 0.7;
    if (dimension === 'language_comfort') comfort = Math.min(1, comfort + (r() - 0.3) * 0.3);
    emit('q2q.outcome.scored', t, { scoreId: key('score', i), userId, dimension, score: Math.round(score * 100) / 100, scoredAt: at(t) });
  }
  return events;
}

/* ------------------------------------------------------------------ talking to the engine */

class Api {
  constructor(
    readonly url: string,
    private readonly key: string | undefined,
  ) {}

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.key) headers.authorization = `Bearer ${this.key}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    for (let attempt = 0; ; attempt++) {
      const res = await fetch(`${this.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      if (res.status === 429 && attempt < 5) {
        await new Promise((r) => setTimeout(r, 1000 * Number(res.headers.get('retry-after') ?? 1)));
        continue;
      }
      const text = await res.text();
      if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 500)}`);
      return JSON.parse(text) as T;
    }
  }
}

/** Runs `work` over `items`, `concurrency` at a time. */
async function pool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

function progress(enabled: boolean) {
  const started = Date.now();
  return (done: number, total: number, what: string) => {
    if (!enabled) return;
    const width = 30;
    const filled = Math.round((done / total) * width);
    const rate = Math.round(done / Math.max(0.001, (Date.now() - started) / 1000));
    process.stderr.write(
      `\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.round((done / total) * 100)).padStart(3)}% ${done.toLocaleString('en')}/${total.toLocaleString('en')} ${what} · ${rate.toLocaleString('en')}/s   `,
    );
    if (done === total) process.stderr.write('\n');
  };
}

export interface DemoResult {
  participants: number;
  events: number;
  accepted: number;
  duplicates: number;
  pending: number;
  seconds: number;
  /** Participants holding each flag (value true) after the run. */
  flags: Record<string, number>;
  /** Participants who reached each milestone. */
  milestones: Record<string, number>;
}

async function main(): Promise<void> {
  const { values: v } = parseArgs({
    options: {
      url: { type: 'string' },
      key: { type: 'string' },
      participants: { type: 'string', default: '2000' },
      seed: { type: 'string', default: '1' },
      months: { type: 'string', default: '6' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (v.help) {
    console.log('usage: npm run demo -- [--url URL] [--key KEY] [--participants N] [--seed N] [--months N] [--json]');
    return;
  }
  const url = (v.url ?? process.env.JOURNEY_URL ?? 'http://localhost:3009').replace(/\/$/, '');
  if (!/^https?:\/\//.test(url)) throw new Error(`--url ${JSON.stringify(url)} is not an http(s) URL: e.g. http://localhost:3009`);
  const api = new Api(url, v.key ?? process.env.JOURNEY_API_KEY);
  const count = Number(v.participants);
  const seed = Number(v.seed);
  const months = Number(v.months);
  const started = Date.now();
  const today = Math.floor(Date.now() / DAY) * DAY;

  const byParticipant = Array.from({ length: count }, (_, i) => participant(seed, i, today, months));
  // In time order across everyone, as the programs would have sent them.
  const all = byParticipant.flat().sort((a, b) => a.timestamp.localeCompare(b.timestamp) || a.id.localeCompare(b.id));
  const tty = !v.json && !!process.stderr.isTTY;
  if (!v.json)
    console.log(
      `feeding ${url}: ${count.toLocaleString('en')} participants, ${all.length.toLocaleString('en')} events over ${months} months (seed ${seed})`,
    );
  const bar = progress(tty);
  const totals = { accepted: 0, duplicates: 0, pending: 0 };
  let sent = 0;
  for (let i = 0; i < all.length; i += BATCH) {
    const batch = all.slice(i, i + BATCH);
    const res = await api.request<{ accepted: number; duplicates: number; pending: number }>('POST', '/journey/events', batch);
    totals.accepted += res.accepted;
    totals.duplicates += res.duplicates;
    totals.pending = res.pending;
    sent += batch.length;
    bar(sent, all.length, 'events');
  }

  const flags: Record<string, number> = {};
  const milestones: Record<string, number> = {};
  const ids = byParticipant.map((_, i) => uuidOf(`${seed}/participant/${i}`));
  const readBar = progress(tty);
  let read = 0;
  await pool(ids, 8, async (id) => {
    const f = await api.request<{ flags: { flag: string; value: boolean }[] }>('GET', `/journey/flags/${id}`);
    for (const x of f.flags) if (x.value) flags[x.flag] = (flags[x.flag] ?? 0) + 1;
    const m = await api.request<{ milestones: { milestone: string }[] }>('GET', `/journey/milestones/${id}`);
    for (const x of m.milestones) milestones[x.milestone] = (milestones[x.milestone] ?? 0) + 1;
    readBar(++read, ids.length, 'participants read');
  });
  const result: DemoResult = {
    participants: count,
    events: all.length,
    ...totals,
    seconds: Math.round((Date.now() - started) / 100) / 10,
    flags: Object.fromEntries(Object.entries(flags).sort()),
    milestones: Object.fromEntries(Object.entries(milestones).sort()),
  };
  if (v.json) {
    console.log(JSON.stringify(result));
    return;
  }
  console.log(
    `${result.accepted.toLocaleString('en')} events accepted, ${result.duplicates.toLocaleString('en')} already there, in ${result.seconds} s`,
  );
  for (const [flag, n] of Object.entries(result.flags)) console.log(`  ${flag.padEnd(26)} ${String(n).padStart(6)} participants`);
  for (const [milestone, n] of Object.entries(result.milestones))
    console.log(`  milestone ${milestone.padEnd(16)} ${String(n).padStart(6)} participants`);
  console.log(`participant ids: ${ids[0]} … (uuid v5 of "${seed}/participant/<n>"); try GET ${url}/journey/context/${ids[0]}`);
}

main().catch((e: unknown) => {
  console.error(`demo: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
