import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { admin, unwrap } from "../lib/api";
import { useCanMutate } from "../lib/auth";
import { type BroadcastRow, broadcastKeys } from "../lib/broadcast-queries";
import { formatDate } from "../lib/format";
import { Button } from "../ui/button";
import { ConfirmButton, Dialog } from "../ui/dialog";
import { FieldProblems } from "../ui/field-problems";
import { Field, Input } from "../ui/input";

/** `datetime-local`'s value for a time, in the browser's zone (the input has no zone of its own). */
function localInputValue(date: Date): string {
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}

/** Send now, schedule and cancel, as the broadcast's status allows; nothing for a viewer. */
export function BroadcastActions({ broadcast }: { broadcast: BroadcastRow }) {
  const canMutate = useCanMutate();
  const queryClient = useQueryClient();
  const param = { id: broadcast.id };
  const refresh = () => queryClient.invalidateQueries({ queryKey: broadcastKeys.all });
  const send = useMutation({
    mutationFn: () => unwrap(admin.broadcasts[":id"].send.$post({ param })),
    onSettled: refresh,
  });
  const cancel = useMutation({
    mutationFn: () => unwrap(admin.broadcasts[":id"].cancel.$post({ param })),
    onSettled: refresh,
  });
  if (!canMutate) return null;
  const startable = broadcast.status === "draft" || broadcast.status === "scheduled";
  const cancellable = broadcast.status !== "sent" && broadcast.status !== "cancelled";
  return (
    <>
      {startable ? (
        <ConfirmButton
          label="Send now"
          variant="primary"
          size="md"
          title={`Send “${broadcast.name}” now?`}
          description="Every contact in its audience at this moment gets the email. A cancel later stops only what has not gone yet."
          confirmLabel="Send now"
          onConfirm={() => send.mutateAsync()}
          pending={send.isPending}
        />
      ) : null}
      {startable ? <ScheduleButton broadcast={broadcast} onDone={refresh} /> : null}
      {cancellable ? (
        <ConfirmButton
          label="Cancel broadcast"
          size="md"
          title={`Cancel “${broadcast.name}”?`}
          description="No further recipient is enqueued, and its emails still queued in the outbox are taken out. Emails already handed to the provider are gone. This cannot be undone."
          confirmLabel="Cancel broadcast"
          onConfirm={() => cancel.mutateAsync()}
          pending={cancel.isPending}
        />
      ) : null}
    </>
  );
}

function ScheduleButton({ broadcast, onDone }: { broadcast: BroadcastRow; onDone: () => Promise<unknown> }) {
  const [open, setOpen] = useState(false);
  const [at, setAt] = useState("");
  const schedule = useMutation({
    mutationFn: () =>
      unwrap(
        admin.broadcasts[":id"].schedule.$post({
          param: { id: broadcast.id },
          json: { at: new Date(at).toISOString() },
        }),
      ),
    onSuccess: async () => {
      setOpen(false);
      await onDone();
    },
  });
  const when = at ? new Date(at) : null;
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        schedule.reset();
        if (next) setAt(localInputValue(new Date(broadcast.scheduledAt ?? Date.now() + 3_600_000)));
      }}
      title={broadcast.status === "scheduled" ? "Reschedule the broadcast" : "Schedule the broadcast"}
      description={`A worker starts it at this time (your browser's zone, ${zone}); until then it can be moved or cancelled.`}
      trigger={
        <Button variant="secondary" size="md">
          Schedule
        </Button>
      }
    >
      <form
        className="flex flex-col gap-3"
        onSubmit={(e) => {
          e.preventDefault();
          if (when && !Number.isNaN(when.getTime())) schedule.mutate();
        }}
      >
        <Field label="Send at">
          <Input type="datetime-local" required value={at} onChange={(e) => setAt(e.target.value)} />
        </Field>
        {when && !Number.isNaN(when.getTime()) && when.getTime() < Date.now() ? (
          <p className="text-xs text-amber-700">That time has passed: it goes out now.</p>
        ) : null}
        <FieldProblems error={schedule.error} />
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={() => setOpen(false)}>
            Close
          </Button>
          <Button type="submit" disabled={!at || schedule.isPending}>
            {when && !Number.isNaN(when.getTime())
              ? `Schedule for ${formatDate(when.toISOString())}`
              : "Schedule"}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
