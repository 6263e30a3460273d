import type { GroupView } from '@cohort/core';

/**
 * What `@OnView()` methods (and GroupDispatcher listeners) receive, in order with deliveries:
 * - 'installed': a new view (the first one is the view this member joined in);
 * - 'excluded': the group went on without this member (`view` is the last view it had, or
 *   null); it delivers nothing more in that incarnation;
 * - 'rejoined': it is a member again, as a new incarnation, in `view`; it comes right after
 *   the 'installed' of that view, so a method that only tracks membership can ignore it.
 */
export type ViewChange =
  | { readonly kind: 'installed'; readonly view: GroupView }
  | { readonly kind: 'excluded'; readonly view: GroupView | null }
  | { readonly kind: 'rejoined'; readonly view: GroupView };

export type ViewChangeKind = ViewChange['kind'];
