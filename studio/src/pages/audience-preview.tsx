import { Link } from "@tanstack/react-router";
import { formatNumber } from "../lib/format";
import { Empty } from "../ui/states";
import { Table, Td, Th, Tr } from "../ui/table";

export interface AudiencePreviewData {
  count: number;
  sample: Array<{ userId: string; email: string }>;
}

/** How many contacts an audience holds now, and the first of them (what a send at this moment would reach). */
export function AudiencePreview({ preview }: { preview: AudiencePreviewData }) {
  return (
    <div data-testid="audience-preview">
      <p className="px-4 py-3 text-sm">
        <span className="text-2xl font-semibold tabular-nums" data-testid="audience-count">
          {formatNumber(preview.count)}
        </span>{" "}
        <span className="text-zinc-600">contact(s) in the audience now</span>
      </p>
      {preview.sample.length === 0 ? (
        <Empty title="Nobody matches">
          Loosen the conditions. Contacts without an address, unsubscribed from everything or from the
          category are never included.
        </Empty>
      ) : (
        <Table>
          <thead>
            <tr>
              <Th>Sample: user</Th>
              <Th>Email</Th>
            </tr>
          </thead>
          <tbody>
            {preview.sample.map((contact) => (
              <Tr key={contact.userId}>
                <Td>
                  <Link
                    to="/contacts/$userId"
                    params={{ userId: contact.userId }}
                    search={{}}
                    className="hover:underline"
                  >
                    {contact.userId}
                  </Link>
                </Td>
                <Td className="text-zinc-600">{contact.email}</Td>
              </Tr>
            ))}
          </tbody>
        </Table>
      )}
    </div>
  );
}
