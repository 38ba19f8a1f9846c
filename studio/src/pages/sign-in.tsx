import { useQueryClient } from "@tanstack/react-query";
import { useRouter, useSearch } from "@tanstack/react-router";
import { useState } from "react";
import { SESSION_KEY, signIn } from "../lib/auth";
import { Button } from "../ui/button";
import { Card } from "../ui/card";
import { Input, Label } from "../ui/input";

export function SignInPage() {
  const search = useSearch({ from: "/sign-in" });
  const router = useRouter();
  const queryClient = useQueryClient();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  return (
    <div className="grid min-h-full place-items-center bg-zinc-100 px-4">
      <Card className="w-full max-w-sm p-6">
        <div className="mb-5 flex items-center gap-2">
          <div className="grid size-8 place-items-center rounded-md bg-brand-500 font-bold text-white">h</div>
          <div>
            <h1 className="text-base font-semibold">Sign in to Hogsend Studio</h1>
            <p className="text-xs text-zinc-500">Accounts are created by an admin; there is no sign-up.</p>
          </div>
        </div>
        <form
          className="flex flex-col gap-3"
          onSubmit={async (event) => {
            event.preventDefault();
            setPending(true);
            setError(null);
            try {
              await signIn(email, password);
              await queryClient.invalidateQueries({ queryKey: SESSION_KEY });
              // Back to the deep link that led here (a path inside Studio only: never another site).
              const target =
                search.redirect?.startsWith("/") && !search.redirect.startsWith("//") ? search.redirect : "/";
              await router.history.push(target.startsWith("/studio/") ? target : `/studio${target}`);
            } catch (failure) {
              setError((failure as Error).message);
            } finally {
              setPending(false);
            }
          }}
        >
          <div className="flex flex-col gap-1">
            <Label htmlFor="email">Email</Label>
            <Input
              id="email"
              type="email"
              autoComplete="username"
              required
              value={email}
              onChange={(e) => setEmail(e.target.value)}
            />
          </div>
          <div className="flex flex-col gap-1">
            <Label htmlFor="password">Password</Label>
            <Input
              id="password"
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          </div>
          {error ? (
            <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-700">
              {error}
            </p>
          ) : null}
          <Button type="submit" disabled={pending}>
            {pending ? "Signing in…" : "Sign in"}
          </Button>
        </form>
      </Card>
    </div>
  );
}
