import { Tabs as T } from "radix-ui";
import type { ReactNode } from "react";

export function Tabs({
  value,
  onValueChange,
  tabs,
}: {
  value: string;
  onValueChange: (value: string) => void;
  tabs: Array<{ value: string; label: ReactNode; content: ReactNode }>;
}) {
  return (
    <T.Root value={value} onValueChange={onValueChange}>
      <T.List className="flex gap-1 border-b border-zinc-200 px-4">
        {tabs.map((tab) => (
          <T.Trigger
            key={tab.value}
            value={tab.value}
            className="-mb-px border-b-2 border-transparent px-2.5 py-2 text-sm text-zinc-500 hover:text-zinc-800 data-[state=active]:border-brand-500 data-[state=active]:font-medium data-[state=active]:text-zinc-900"
          >
            {tab.label}
          </T.Trigger>
        ))}
      </T.List>
      {tabs.map((tab) => (
        <T.Content key={tab.value} value={tab.value}>
          {tab.content}
        </T.Content>
      ))}
    </T.Root>
  );
}
