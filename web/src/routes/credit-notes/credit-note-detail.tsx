import { Anchor, Grid, Group, Paper, SimpleGrid, Stack, Table, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { getRouteApi } from "@tanstack/react-router";
import type { ReactNode } from "react";
import { api } from "../../api.js";
import type { CreditNote } from "../../billing.js";
import { AppLink, BillingStatusBadge, CustomerLink } from "../../components/billing-ui.js";
import { Amount, ErrorAlert, MessageRow, PageHeader } from "../../components/ui.js";
import { formatInstant, humanize } from "../../format.js";
import { VoidCreditNoteButton } from "./void-credit-note.js";

const route = getRouteApi("/signed-in/credit-notes/$id");

function Field(props: { label: string; children: ReactNode }) {
  return (
    <Stack gap={0}>
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {props.label}
      </Text>
      <Text size="sm" component="div">
        {props.children}
      </Text>
    </Stack>
  );
}

export function CreditNoteDetailPage() {
  const { id } = route.useParams();
  const path = `/v1/credit_notes/${encodeURIComponent(id)}`;
  const note = useQuery({ queryKey: ["credit_note", id], queryFn: () => api.get<CreditNote>(path) });
  const data = note.data;
  if (data === undefined)
    return (
      <>
        <PageHeader title="Credit note" />
        <ErrorAlert error={note.error} title="The credit note could not be loaded" />
      </>
    );
  return (
    <>
      <PageHeader
        title={data.number === null || data.number === undefined ? "Credit note" : `Credit note ${data.number}`}
        description={
          <Group gap="xs" component="span">
            <BillingStatusBadge status={data.status ?? "issued"} />
            <Text span size="sm" c="dimmed" className="mono">
              {id}
            </Text>
          </Group>
        }
        actions={data.status === "issued" ? <VoidCreditNoteButton note={{ ...data, id }} /> : null}
      />
      <Grid gap="md">
        <Grid.Col span={{ base: 12, lg: 7 }}>
          <Stack gap="md">
            <Paper withBorder radius="sm" p="md">
              <SimpleGrid cols={{ base: 2, sm: 3 }} spacing="md" verticalSpacing="sm">
                <Field label="Invoice">
                  <AppLink to={`/invoices/${data.invoice_id}`}>{data.invoice_number ?? data.invoice_id}</AppLink>
                </Field>
                <Field label="Customer">
                  <CustomerLink id={data.customer_id} />
                </Field>
                <Field label="Issue date">{data.issue_date ?? "—"}</Field>
                <Field label="Reason">{humanize(data.reason)}</Field>
                <Field label="Outcome">{humanize(data.outcome)}</Field>
                <Field label="Refund">
                  {data.refund === null || data.refund === undefined ? (
                    "—"
                  ) : (
                    <>
                      <Amount value={data.refund.amount} currency={data.currency} /> · {humanize(data.refund.status)}
                    </>
                  )}
                </Field>
                <Field label="Created">{formatInstant(data.created_at)}</Field>
                {data.voided_at === null || data.voided_at === undefined ? null : (
                  <Field label="Voided">
                    {formatInstant(data.voided_at)}
                    {data.void_reason === null || data.void_reason === undefined ? "" : ` · ${data.void_reason}`}
                  </Field>
                )}
                <Field label="Approval">
                  {data.approval_id === null || data.approval_id === undefined ? (
                    "—"
                  ) : (
                    <AppLink to="/approvals?status=all">{data.approval_id}</AppLink>
                  )}
                </Field>
                <Field label="Ledger entry">
                  {data.ledger_entry_id === null || data.ledger_entry_id === undefined ? (
                    "—"
                  ) : (
                    <AppLink to={`/ledger/entries?source_id=${id}&entry=${data.ledger_entry_id}`}>View posting</AppLink>
                  )}
                </Field>
              </SimpleGrid>
              {data.memo === null ? null : (
                <Text size="sm" mt="sm">
                  {data.memo}
                </Text>
              )}
            </Paper>
            <Paper withBorder radius="sm">
              <Table>
                <Table.Thead className="table-head">
                  <Table.Tr>
                    <Table.Th>Description</Table.Th>
                    <Table.Th ta="right">Net</Table.Th>
                    <Table.Th ta="right">Tax</Table.Th>
                    <Table.Th ta="right">Amount</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {data.lines.length === 0 ? <MessageRow columns={4}>No lines.</MessageRow> : null}
                  {data.lines.map((line, index) => (
                    <Table.Tr key={line.invoice_line_id ?? index}>
                      <Table.Td>
                        <Text size="sm">{line.description}</Text>
                      </Table.Td>
                      <Table.Td ta="right">
                        <Amount value={line.net_amount} currency={data.currency} />
                      </Table.Td>
                      <Table.Td ta="right">
                        <Amount value={line.tax_amount} currency={data.currency} dimZero />
                      </Table.Td>
                      <Table.Td ta="right">
                        <Amount value={line.amount} currency={data.currency} />
                      </Table.Td>
                    </Table.Tr>
                  ))}
                  <Table.Tr className="table-foot">
                    <Table.Td>Total credited</Table.Td>
                    <Table.Td ta="right">
                      <Amount value={data.subtotal} currency={data.currency} />
                    </Table.Td>
                    <Table.Td ta="right">
                      <Amount value={data.tax} currency={data.currency} />
                    </Table.Td>
                    <Table.Td ta="right">
                      <Amount value={data.total} currency={data.currency} strong />
                    </Table.Td>
                  </Table.Tr>
                </Table.Tbody>
              </Table>
            </Paper>
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, lg: 5 }}>
          <Paper withBorder radius="sm" p="xs">
            <Group justify="space-between" mb={4} px={4}>
              <Title order={5}>PDF</Title>
              <Anchor href={`${path}/pdf`} target="_blank" rel="noreferrer" size="sm">
                Open in a new tab
              </Anchor>
            </Group>
            <iframe
              // Remounted when the note changes state, so a voided note's PDF shows VOID at once.
              key={data.status}
              title="Credit note PDF preview"
              data-testid="pdf-preview"
              src={`${path}/pdf`}
              style={{
                width: "100%",
                height: "75vh",
                border: "1px solid var(--mantine-color-gray-3)",
                borderRadius: 4,
              }}
            />
          </Paper>
        </Grid.Col>
      </Grid>
    </>
  );
}
