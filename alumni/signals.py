"""Named signals (blinker, as Flask and Indico use): what happened, for whoever listens.

A service sends a signal inside the transaction of the change, after the change is flushed; a
receiver (mail in alumni.services.notices, the audit log in alumni.services.audit) does its own
work in the same transaction and never commits. Receivers connect when their module is imported
(module-level `@signal.connect`), so the wiring does not depend on the order anything else ran
in; tests connect their own receivers for one test only (`with signal.connected_to(fn):`).

Every signal is sent with the changed object as sender and these keyword arguments:
`actor` (the User who made the change, None for the system) and, where named below, more.
"""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# ---------------------------------------------------------------- events (sender: the Event)
#: A draft was created.
event_created = _signals.signal("event-created")
#: An event changed; `changes` {field: [before, after]}, `moved` True when time or place changed.
event_updated = _signals.signal("event-updated")
#: A draft was published.
event_published = _signals.signal("event-published")
#: An event was cancelled.
event_cancelled = _signals.signal("event-cancelled")

# ---------------------------------------------------------------- registrations (sender: the Registration)
#: A member answered (or withdrew: status "cancelled"); `changes` {field: [before, after]},
#: `created` True for a first answer.
registration_answered = _signals.signal("registration-answered")
#: A waitlisted registration got a seat (actor: whoever freed or added it).
registration_promoted = _signals.signal("registration-promoted")
#: A waitlisted registration was offered a freed seat until its `offer_expires_at` (an event with
#: waitlist offers; actor: whoever freed the seat, None for the scheduler).
registration_offered = _signals.signal("registration-offered")
#: An offer ended; `outcome` "taken" (the member has the seat), "declined" or "lapsed" (it passes
#: on), `changes` {field: [before, after]}.
registration_offer_ended = _signals.signal("registration-offer-ended")
#: The person was checked in at the door.
registration_checked_in = _signals.signal("registration-checked-in")

# ---------------------------------------------------------------- outbox (sender: None)
#: Messages were queued; `count` how many rows were added.
mail_queued = _signals.signal("mail-queued")
#: Messages went out; `ids` the outbox row ids.
mail_sent = _signals.signal("mail-sent")
#: A message failed for good; `id` the outbox row id, `reason` why.
mail_failed = _signals.signal("mail-failed")
