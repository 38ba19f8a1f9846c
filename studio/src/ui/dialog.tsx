import { X } from "lucide-react";
import { Dialog as D } from "radix-ui";
import { type ReactNode, useState } from "react";
import { Button } from "./button";
import { cn } from "./cn";
import { Input } from "./input";

export function Dialog({
  open,
  onOpenChange,
  title,
  description,
  children,
  trigger,
  wide,
}: {
  open?: boolean;
  onOpenChange?: (open: boolean) => void;
  title: string;
  description?: ReactNode;
  children: ReactNode;
  trigger?: ReactNode;
  wide?: boolean;
}) {
  return (
    <D.Root {...(open === undefined ? {} : { open })} {...(onOpenChange ? { onOpenChange } : {})}>
      {trigger ? <D.Trigger asChild>{trigger}</D.Trigger> : null}
      <D.Portal>
        <D.Overlay className="fixed inset-0 z-40 bg-zinc-900/40" />
        <D.Content
          className={cn(
            "fixed top-1/2 left-1/2 z-50 max-h-[90vh] w-[92vw] -translate-x-1/2 -translate-y-1/2 overflow-y-auto rounded-lg bg-white p-5 shadow-xl",
            wide ? "max-w-3xl" : "max-w-md",
          )}
        >
          <D.Title className="text-base font-semibold">{title}</D.Title>
          {description ? (
            <D.Description className="mt-1 text-sm text-zinc-600">{description}</D.Description>
          ) : (
            <D.Description className="sr-only">{title}</D.Description>
          )}
          <div className="mt-4">{children}</div>
          <D.Close
            className="absolute top-4 right-4 rounded p-1 text-zinc-500 hover:bg-zinc-100"
            aria-label="Close"
          >
            <X className="size-4" />
          </D.Close>
        </D.Content>
      </D.Portal>
    </D.Root>
  );
}

/** A right-hand drawer (a Radix dialog): the message and run inspectors. */
export function Drawer({
  open,
  onOpenChange,
  title,
  children,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  title: ReactNode;
  children: ReactNode;
}) {
  return (
    <D.Root open={open} onOpenChange={onOpenChange}>
      <D.Portal>
        <D.Overlay className="fixed inset-0 z-40 bg-zinc-900/30" />
        <D.Content className="fixed top-0 right-0 z-50 flex h-full w-full max-w-2xl flex-col bg-white shadow-2xl">
          <div className="flex items-center justify-between border-b border-zinc-200 px-5 py-3">
            <D.Title className="truncate text-base font-semibold">{title}</D.Title>
            <D.Description className="sr-only">Details</D.Description>
            <D.Close className="rounded p-1 text-zinc-500 hover:bg-zinc-100" aria-label="Close">
              <X className="size-4" />
            </D.Close>
          </div>
          <div className="flex-1 overflow-y-auto">{children}</div>
        </D.Content>
      </D.Portal>
    </D.Root>
  );
}

/**
 * A destructive action behind a dialog; with `typed`, the user must type that text (an erase types the user id).
 */
export function ConfirmButton({
  label,
  title,
  description,
  typed,
  confirmLabel,
  onConfirm,
  variant = "danger",
  size = "sm",
  pending,
}: {
  label: ReactNode;
  title: string;
  description: ReactNode;
  typed?: string;
  confirmLabel?: string;
  onConfirm: () => Promise<unknown> | undefined;
  variant?: "danger" | "secondary" | "primary";
  size?: "sm" | "md";
  pending?: boolean;
}) {
  const [open, setOpen] = useState(false);
  const [text, setText] = useState("");
  const [error, setError] = useState<string | null>(null);
  const ready = typed === undefined || text === typed;
  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        setText("");
        setError(null);
      }}
      title={title}
      description={description}
      trigger={
        <Button variant={variant} size={size}>
          {label}
        </Button>
      }
    >
      <form
        className="flex flex-col gap-3"
        onSubmit={async (event) => {
          event.preventDefault();
          if (!ready) return;
          try {
            await onConfirm();
            setOpen(false);
          } catch (failure) {
            setError((failure as Error).message);
          }
        }}
      >
        {typed !== undefined ? (
          <label className="flex flex-col gap-1 text-sm" htmlFor="confirm-text">
            <span>
              Type <code className="rounded bg-zinc-100 px-1 font-mono">{typed}</code> to confirm
            </span>
            <Input
              aria-label="Confirmation"
              value={text}
              onChange={(e) => setText(e.target.value)}
              autoFocus
            />
          </label>
        ) : null}
        {error ? (
          <p className="text-sm text-red-600" role="alert">
            {error}
          </p>
        ) : null}
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={() => setOpen(false)}>
            Cancel
          </Button>
          <Button
            type="submit"
            variant={variant === "secondary" ? "primary" : variant}
            disabled={!ready || pending}
          >
            {confirmLabel ?? "Confirm"}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
