"""Every ``action_id``, ``block_id`` and ``callback_id`` the app sends or listens for.

Renderers build views and messages with these; listeners register for them. Changing a
value here changes both sides at once (and breaks buttons on messages already posted, so
treat them as a public contract).
"""

from __future__ import annotations

from typing import Final

# --- views -----------------------------------------------------------------------------
# callback_id of the schedule modal (DESIGN.md section 3).

SCHEDULE_CALLBACK: Final = "schedule_create"

# --- schedule modal inputs -------------------------------------------------------------
# Each input's action_id equals its block_id, so ``view.state.values[X][X]`` reads it and
# ``response_action: errors`` can name the block of the bad field directly.

TASK: Final = "task"
KIND: Final = "kind"
CRON: Final = "cron"
EVERY: Final = "every"
AT: Final = "at"
BUDGET: Final = "budget"
CHANNEL: Final = "channel"

SCHEDULE_INPUTS: Final = (TASK, KIND, CRON, EVERY, AT, BUDGET, CHANNEL)

# --- buttons ---------------------------------------------------------------------------
# Under a finished turn: "Schedule..." and "Email address" (value: a WorkerRef);
# in schedule lists: "Cancel" (value: a ScheduleRef); while running: "Stop" (WorkerRef).

OPEN_SCHEDULE: Final = "open_schedule"
EMAIL_ADDRESS: Final = "email_address"
CANCEL_SCHEDULE: Final = "cancel_schedule"
STOP_WORKER: Final = "stop_worker"
