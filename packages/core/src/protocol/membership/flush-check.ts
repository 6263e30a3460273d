import type { ReliableChannel } from '../reliable/reliable-channel.js';
import type { View } from '../types.js';
import type { FlushValue } from './membership.header.js';

/**
 * Why a flush value (an install, or the value of an accept) cannot be applied by this member
 * of `view`, or null if it can: it must install the next view, name one target per member of
 * the ending view, and every message up to each target must be held here or carried in it.
 * A value that fails is forged or corrupt: applying it would break the flush invariant, so
 * it is dropped and reported, never half-applied.
 */
export function flushValueProblem(value: FlushValue, view: View, channel: ReliableChannel | null): string | null {
  if (value.viewId !== view.id + 1) return `it installs view ${value.viewId}, not ${view.id + 1}`;
  // An empty next view is legitimate: the last member leaving.
  if (new Set(value.members).size !== value.members.length) return 'its next view names a member twice';
  if (value.targets.length !== view.members.length) return `it has ${value.targets.length} targets for a view of ${view.members.length}`;
  const carried = new Set<string>();
  for (const message of value.messages) {
    if (message.senderRank >= view.members.length) return `it carries a message of rank ${message.senderRank}`;
    carried.add(`${message.senderRank}:${message.seq}`);
  }
  if (!channel) return null;
  for (let rank = 0; rank < view.members.length; rank++) {
    const stream = channel.streams[rank]!;
    const target = value.targets[rank]!;
    if (target < stream.delivered) return `its cut ${rank}:${target} is below what this member delivered (${stream.delivered})`;
    for (let seq = stream.delivered + 1; seq <= target; seq++) {
      if (!stream.store.has(seq) && !carried.has(`${rank}:${seq}`))
        return `message ${rank}:${seq} of its cut is neither held here nor carried`;
    }
  }
  return null;
}
