import { Observable, type Subscriber } from 'rxjs';

/**
 * What `ClientProxy.emit()` returns, for a send already under way: a hot observable that
 * emits the send's value then completes, or errors, as the Subject Nest connects in
 * `emit()` does (a subscriber after the end gets only the completion, or the error). A
 * failure nobody subscribed to goes nowhere, as with Nest's Subject. One Observable and one
 * reaction per call instead of Nest's defer/mergeMap/connectable chain: emit() is the
 * publisher's hot path.
 */
export function sentEvent<T>(sent: Promise<T>): Observable<T> {
  let state: 'pending' | 'sent' | 'failed' = 'pending';
  let failure: unknown;
  let waiting: Subscriber<T>[] | null = null;
  sent.then(
    (value) => {
      state = 'sent';
      const subscribers = waiting;
      waiting = null;
      if (subscribers)
        for (const subscriber of subscribers) {
          subscriber.next(value);
          subscriber.complete();
        }
    },
    (error: unknown) => {
      state = 'failed';
      failure = error;
      const subscribers = waiting;
      waiting = null;
      if (subscribers) for (const subscriber of subscribers) subscriber.error(error);
    },
  );
  return new Observable<T>((subscriber) => {
    if (state === 'sent') {
      subscriber.complete();
      return undefined;
    }
    if (state === 'failed') {
      subscriber.error(failure);
      return undefined;
    }
    (waiting ??= []).push(subscriber);
    return () => {
      const index = waiting?.indexOf(subscriber) ?? -1;
      if (index >= 0) waiting!.splice(index, 1);
    };
  });
}
