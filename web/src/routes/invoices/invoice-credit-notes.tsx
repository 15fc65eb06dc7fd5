import { Paper, Table, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { api, type List } from "../../api.js";
import type { CreditNote } from "../../billing.js";
import { BillingStatusBadge, isNotFound } from "../../components/billing-ui.js";
import { Amount, ErrorAlert, MessageRow } from "../../components/ui.js";
import { humanize } from "../../format.js";

/** The credit notes issued against one invoice, under its lines. */
export function InvoiceCreditNotes(props: { invoiceId: string }) {
  const navigate = useNavigate();
  const notes = useQuery({
    queryKey: ["credit_notes", { invoice: props.invoiceId }],
    queryFn: () => api.get<List<CreditNote>>("/v1/credit_notes", { invoice: props.invoiceId, limit: 100 }),
    retry: false,
  });
  // A server without credit notes has nothing to list here.
  if (isNotFound(notes.error)) return null;
  const rows = notes.data?.data ?? [];
  return (
    <Paper withBorder radius="sm" p="md">
      <Title order={4} mb="xs">
        Credit notes
      </Title>
      <ErrorAlert error={notes.error} title="The credit notes could not be loaded" />
      <Table highlightOnHover>
        <Table.Tbody>
          {notes.data !== undefined && rows.length === 0 ? (
            <MessageRow columns={5}>No credit note against this invoice.</MessageRow>
          ) : null}
          {rows.map((note) => (
            <Table.Tr
              key={note.id}
              className="clickable-row"
              onClick={() =>
                note.id === undefined
                  ? undefined
                  : void navigate({ to: "/credit-notes/$id", params: { id: note.id }, search: {} })
              }
            >
              <Table.Td className="mono">{note.number ?? note.id}</Table.Td>
              <Table.Td>
                <BillingStatusBadge status={note.status ?? "issued"} />
              </Table.Td>
              <Table.Td>
                <Text size="sm">{humanize(note.reason)}</Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm">{humanize(note.outcome)}</Text>
              </Table.Td>
              <Table.Td ta="right">
                <Amount value={note.total} currency={note.currency} strong />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Paper>
  );
}
