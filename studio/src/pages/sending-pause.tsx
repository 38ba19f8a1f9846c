import { useMutation, useQueryClient } from "@tanstack/react-query";
import { PauseCircle, PlayCircle } from "lucide-react";
import { alertGuide } from "../lib/alert-guide";
import { alertKeys, type SendingRow } from "../lib/alert-queries";
import { admin, unwrap } from "../lib/api";
import { useCanMutate, useSession } from "../lib/auth";
import { formatDate, formatNumber, relative } from "../lib/format";
import { Badge, Card, CardHeader } from "../ui/card";
import { ConfirmButton } from "../ui/dialog";

/**
 * Who paused or resumed, from the server's actor string: `rule:complaint_rate` (the guard's pause), `guard` (its
 * own resume), or an admin's `user:<id>` / `api_key:<id>` (the audit log names them).
 */
function whoOf(by: string | null, me: string | undefined): string {
  if (by === null) return "—";
  if (by === "guard") return "the reputation guard";
  if (by.startsWith("rule:")) return `the reputation guard (${alertGuide(by.slice(5)).label})`;
  if (me !== undefined && by === `user:${me}`) return "you";
  if (by.startsWith("user:")) return "a Studio admin";
  if (by.startsWith("api_key:")) return "an admin API key";
  return by;
}

/** The reputation guard's switch: whether non-transactional mail is held, and the admin's resume. */
export function SendingPause({ sending }: { sending: SendingRow }) {
  const canMutate = useCanMutate();
  const me = useSession().data?.id;
  const queryClient = useQueryClient();
  const resume = useMutation({
    mutationFn: () => unwrap(admin.sending.resume.$post()),
    onSettled: () => queryClient.invalidateQueries({ queryKey: alertKeys.all }),
  });
  return (
    <Card data-testid="sending-pause" data-paused={sending.paused}>
      <CardHeader
        title="Sending"
        actions={
          sending.paused && canMutate ? (
            <ConfirmButton
              label="Resume sending"
              variant="primary"
              size="md"
              title="Resume sending?"
              description={`Non-transactional mail goes out again, starting with the ${formatNumber(sending.held)} email(s) held, in queue order. The guard does not pause again for this incident: the decision is yours, so fix what drew the complaints or bounces first.`}
              confirmLabel="Resume sending"
              onConfirm={() => resume.mutateAsync()}
              pending={resume.isPending}
            />
          ) : null
        }
      >
        The reputation guard pauses marketing and other non-transactional mail when complaints or hard bounces
        reach critical; transactional mail always goes out
      </CardHeader>
      {sending.paused ? (
        <div className="flex items-start gap-3 bg-red-50 px-4 py-3 text-sm text-red-900">
          <PauseCircle className="mt-0.5 size-5 shrink-0 text-red-600" aria-hidden />
          <div className="flex flex-col gap-1">
            <div className="font-semibold">
              Non-transactional sending is paused{" "}
              <span className="font-normal text-red-700" title={formatDate(sending.pausedAt)}>
                since {relative(sending.pausedAt)}
              </span>
            </div>
            <div>
              By {whoOf(sending.pausedBy, me)}: {sending.reason ?? "no reason given"}
            </div>
            <div className="flex items-center gap-2">
              <Badge tone="bad">{formatNumber(sending.held)} held</Badge>
              <span className="text-xs text-red-700">
                {canMutate
                  ? "Held mail waits in the outbox and goes out on resume."
                  : "Held mail waits in the outbox; an admin can resume sending here."}
              </span>
            </div>
          </div>
        </div>
      ) : (
        <div className="flex items-start gap-3 px-4 py-3 text-sm text-zinc-700">
          <PlayCircle className="mt-0.5 size-5 shrink-0 text-emerald-600" aria-hidden />
          <div>
            <div className="flex items-center gap-2">
              <Badge tone="good">sending</Badge> Every kind of mail goes out.
            </div>
            {sending.resumedAt ? (
              <div className="mt-1 text-xs text-zinc-500">
                Last resumed <span title={formatDate(sending.resumedAt)}>{relative(sending.resumedAt)}</span>{" "}
                by <span title={sending.resumedBy ?? undefined}>{whoOf(sending.resumedBy, me)}</span>.
              </div>
            ) : null}
          </div>
        </div>
      )}
    </Card>
  );
}
