/**
 * cbcast header bytes per message (issue 12: at most 16 B), computed in-process with the core's
 * own encoder (lib/core-codec.ts): a sender's pack of `pack` causal 64-byte messages on topic
 * 'b' in a view of `members` members, encoded as one frame; the bytes beyond the payloads and
 * topics, divided by the messages. That counts the frame's own header (version, kind, epoch,
 * group, sender id, view id: shared by the pack), and per message its seq, the topic's and the
 * payload's lengths, the flags byte and the causal vector's changed entries.
 *
 * The vector timestamps follow the sender's rule (protocol/member.ts, metaFor): only the entries
 * changed since its previous causal message travel. Two cases:
 * - `all send`: every member multicasts all the time, so between two of the sender's turns
 *   every other member's entry has moved: the first message of each pack carries members − 1
 *   entries, the others none (nothing is delivered within the sender's turn);
 * - `one sends`: the sender streams alone: no entry changes, no entry travels.
 * Sequence numbers are taken mid-run (around 100,000: 3-byte varints), as in a 200,000-message run.
 *
 *   npx tsx apps/bench/src/header-bytes.ts
 */
import { fmt, isMain } from './lib/args.js';
import { encodeCausalFrame, type CausalMessage } from './lib/core-codec.js';

/** Issue 12's aim for a causal message's header in a packed batch. */
export const HEADER_BYTES_AIM = 16;
export const HEADER_MEMBERS = [3, 16, 64] as const;
/** Pack sizes: a light turn, a busy one, and a full one (the member packs up to 1,024 messages per frame). */
export const HEADER_PACKS = [16, 64, 1024] as const;

export type Senders = 'all send' | 'one sends';

export interface HeaderBytesResult {
  members: number;
  pack: number;
  senders: Senders;
  payloadBytes: number;
  frameBytes: number;
  /** (frame bytes − payloads − topics) / messages. */
  headerBytesPerMessage: number;
}

const SEQ_MID_RUN = 100_000;

/** Bytes beyond payload and topic, per message: the arithmetic of the row. */
export function headerBytesPerMessage(frameBytes: number, messages: number, payloadBytes: number, topicBytes: number): number {
  return (frameBytes - messages * (payloadBytes + topicBytes)) / messages;
}

/** One pack of `pack` causal messages from rank 0 in a view of `members`, encoded; its header bytes per message. */
export function measureHeaderBytes(members: number, pack: number, senders: Senders, payloadBytes = 64): HeaderBytesResult {
  const topic = 'b';
  const payload = new Uint8Array(payloadBytes).fill(0x78);
  const others: [number, number][] = [];
  for (let rank = 1; rank < members; rank++) others.push([rank, SEQ_MID_RUN + 37 * rank]);
  const messages: CausalMessage[] = Array.from({ length: pack }, (_, i) => ({
    seq: SEQ_MID_RUN + i,
    topic,
    payload,
    depsDelta: i === 0 && senders === 'all send' ? others : [],
  }));
  // A member id as the TCP wire makes it ("host:port/incarnation"), a 32-bit epoch, a view id past the joins.
  const frame = encodeCausalFrame({ epoch: 0xfedc_ba98, group: 'bench', from: '127.0.0.1:40123/654321', viewId: members + 1 }, messages);
  return {
    members,
    pack,
    senders,
    payloadBytes,
    frameBytes: frame.length,
    headerBytesPerMessage: headerBytesPerMessage(frame.length, pack, payloadBytes, new TextEncoder().encode(topic).length),
  };
}

/** Every members × pack size, both cases. */
export function measureAllHeaderBytes(): HeaderBytesResult[] {
  const results: HeaderBytesResult[] = [];
  for (const members of HEADER_MEMBERS) {
    for (const pack of HEADER_PACKS)
      for (const senders of ['all send', 'one sends'] as const) results.push(measureHeaderBytes(members, pack, senders));
  }
  return results;
}

export function describeHeaderBytes(results: readonly HeaderBytesResult[]): string {
  const lines = [
    `cbcast header bytes per message (the core's encoder, in-process: frame bytes beyond payload and topic / messages; aim <= ${HEADER_BYTES_AIM} B)`,
  ];
  for (const members of new Set(results.map((r) => r.members))) {
    const cells = results
      .filter((r) => r.members === members)
      .map((r) => `pack ${r.pack} ${r.senders}: ${fmt(r.headerBytesPerMessage, 2)} B`);
    lines.push(`  ${members} members: ${cells.join(', ')}`);
  }
  return lines.join('\n');
}

if (isMain(import.meta.filename)) console.log(describeHeaderBytes(measureAllHeaderBytes()));
