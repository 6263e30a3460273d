import type { GroupObserver } from '../group.js';
import type { ConnectionObserver } from '../group-connection.js';
import type { DataMessage } from '../protocol/types.js';
import type { HistoryRecorder } from './history.js';

const decoder = new TextDecoder();

/** The id a history gives a multicast: unique in a run, stable across replays. */
export function messageId(message: DataMessage): string {
  return `${message.sender}@${message.viewId}#${message.seq}`;
}

/** Feeds a group's protocol events into a recorder (pass it as GroupOptions.observer). */
export function historyObserver(recorder: HistoryRecorder): GroupObserver {
  return {
    sent: (member, message) =>
      recorder.record({
        kind: 'send',
        member,
        id: messageId(message),
        viewId: message.viewId,
        payload: decoder.decode(message.payload),
        ...(message.order === 'causal' || message.order === 'total' || message.order === 'group' ? { order: message.order } : {}),
        ...(message.safe ? { safe: true } : {}),
      }),
    delivered: (member, message) =>
      recorder.record({
        kind: 'deliver',
        member,
        id: messageId(message),
        sender: message.sender,
        viewId: message.viewId,
        payload: decoder.decode(message.payload),
      }),
    handled: (member, message) => recorder.record({ kind: 'handled', member, id: messageId(message) }),
    installed: (member, view) => recorder.record({ kind: 'view', member, view: { id: view.id, members: [...view.members] } }),
    excluded: (member) => recorder.record({ kind: 'excluded', member }),
    left: (member) => recorder.record({ kind: 'left', member }),
    served: (member, key, viewId, message) =>
      recorder.record({
        kind: 'serve',
        member,
        id: key,
        viewId,
        ...(message ? { message: messageId(message) } : {}),
      }),
    replied: (caller, responder, request, viewId) =>
      recorder.record({ kind: 'reply', member: caller, from: responder, id: messageId(request), viewId }),
    unconfirmed: (member, messages) => recorder.record({ kind: 'unconfirmed', member, ids: messages.map(messageId) }),
    blocked: (member, reason) => recorder.record({ kind: 'blocked', member, code: reason.code }),
    unblocked: (member) => recorder.record({ kind: 'unblocked', member }),
  };
}

/** Feeds a client's replies to its direct requests into a recorder (GroupConnectionOptions.observer). */
export function connectionObserver(recorder: HistoryRecorder): ConnectionObserver {
  return {
    replied: (client, responder, requestKey, viewId) =>
      recorder.record({ kind: 'reply', member: client, from: responder, id: requestKey, viewId }),
  };
}
