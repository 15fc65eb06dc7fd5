import { Button, Group, Stack, Table, Text } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { ApiError, type AuditEvent, api, type List } from "../../api.js";
import { type CreditNote, creditNoteInvoice, type Invoice } from "../../billing.js";
import { AppLink, BillingStatusBadge } from "../../components/billing-ui.js";
import { type Cursor, Pager } from "../../components/pager.js";
import { Amount, ErrorAlert, MessageRow, StatusBadge } from "../../components/ui.js";
import { type Customer, customerPath } from "../../customers.js";
import { formatInstant, humanize } from "../../format.js";
import type { Subscription } from "../../subscriptions.js";
import { AuditDrawer } from "../audit-drawer.js";
import { CreateSubscriptionModal } from "../subscriptions/create-subscription.js";

export function SubscriptionsTab(props: { customer: Customer }) {
  const [creating, setCreating] = useState(false);
  const subscriptions = useQuery({
    queryKey: ["subscriptions", { customer: props.customer.id }],
    queryFn: () => api.get<List<Subscription>>("/v1/subscriptions", { customer: props.customer.id, limit: 100 }),
  });
  const rows = subscriptions.data?.data ?? [];
  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <Text size="sm" c="dimmed">
          Subscriptions bill this customer each period. Open one to change seats or prices, pause or cancel it.
        </Text>
        <Button size="xs" onClick={() => setCreating(true)} disabled={props.customer.archived}>
          New subscription
        </Button>
      </Group>
      <ErrorAlert error={subscriptions.error} title="The subscriptions could not be loaded" />
      <Table striped highlightOnHover>
        <Table.Thead className="table-head">
          <Table.Tr>
            <Table.Th>Subscription</Table.Th>
            <Table.Th>Items</Table.Th>
            <Table.Th>Status</Table.Th>
            <Table.Th>Current period</Table.Th>
            <Table.Th>Started</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {subscriptions.isPending ? <MessageRow columns={5}>Loading…</MessageRow> : null}
          {subscriptions.data !== undefined && rows.length === 0 ? (
            <MessageRow columns={5}>No subscriptions yet.</MessageRow>
          ) : null}
          {rows.map((subscription) => (
            <Table.Tr key={subscription.id}>
              <Table.Td>
                <AppLink to={`/subscriptions/${subscription.id}`}>{subscription.id}</AppLink>
              </Table.Td>
              <Table.Td>
                {subscription.items.map((item) => (
                  <Text key={item.id} size="sm">
                    {item.quantity} × {item.description}
                  </Text>
                ))}
              </Table.Td>
              <Table.Td>
                <StatusBadge status={subscription.status} />
              </Table.Td>
              <Table.Td>
                <Text size="sm">
                  {subscription.current_period === null
                    ? "—"
                    : `${formatInstant(subscription.current_period.start)} → ${formatInstant(subscription.current_period.end)}`}
                </Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm">{formatInstant(subscription.start_at)}</Text>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <CreateSubscriptionModal customer={props.customer} opened={creating} onClose={() => setCreating(false)} />
    </Stack>
  );
}

export function InvoicesTab(props: { customer: Customer }) {
  const [cursor, setCursor] = useState<Cursor>({});
  const invoices = useQuery({
    queryKey: ["invoices", { customer: props.customer.id, ...cursor }],
    queryFn: () => api.get<List<Invoice>>("/v1/invoices", { customer: props.customer.id, limit: 25, ...cursor }),
  });
  const rows = invoices.data?.data ?? [];
  return (
    <Stack gap="xs">
      <ErrorAlert error={invoices.error} title="The invoices could not be loaded" />
      <Table striped>
        <Table.Thead className="table-head">
          <Table.Tr>
            <Table.Th>Number</Table.Th>
            <Table.Th>Status</Table.Th>
            <Table.Th>Issued</Table.Th>
            <Table.Th>Due</Table.Th>
            <Table.Th ta="right">Total</Table.Th>
            <Table.Th ta="right">Amount due</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {invoices.isPending ? <MessageRow columns={6}>Loading…</MessageRow> : null}
          {invoices.data !== undefined && rows.length === 0 ? (
            <MessageRow columns={6}>No invoices yet.</MessageRow>
          ) : null}
          {rows.map((invoice) => (
            <Table.Tr key={invoice.id}>
              <Table.Td>
                <AppLink to={`/invoices/${invoice.id}`}>{invoice.number ?? `Draft ${invoice.id}`}</AppLink>
              </Table.Td>
              <Table.Td>
                <BillingStatusBadge status={invoice.status} />
              </Table.Td>
              <Table.Td>
                <Text size="sm">{invoice.issue_date ?? "—"}</Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm">{invoice.due_date ?? "—"}</Text>
              </Table.Td>
              <Table.Td ta="right">
                <Amount value={invoice.total} currency={invoice.currency} />
              </Table.Td>
              <Table.Td ta="right">
                <Amount value={invoice.amount_due} currency={invoice.currency} dimZero />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Pager
        cursor={cursor}
        rows={rows}
        hasMore={invoices.data?.has_more ?? false}
        noun={["invoice", "invoices"]}
        onPage={setCursor}
      />
    </Stack>
  );
}

export function CreditNotesTab(props: { customer: Customer }) {
  const notes = useQuery({
    queryKey: ["credit_notes", { customer: props.customer.id }],
    queryFn: () => api.get<List<CreditNote>>("/v1/credit_notes", { customer: props.customer.id, limit: 100 }),
    retry: false,
  });
  // A server without credit notes answers 404: say there is nothing to show rather than fail.
  const unavailable = notes.error instanceof ApiError && notes.error.status === 404;
  const rows = notes.data?.data ?? [];
  return (
    <Stack gap="xs">
      {unavailable ? null : <ErrorAlert error={notes.error} title="The credit notes could not be loaded" />}
      <Table striped>
        <Table.Thead className="table-head">
          <Table.Tr>
            <Table.Th>Number</Table.Th>
            <Table.Th>Invoice</Table.Th>
            <Table.Th>Reason</Table.Th>
            <Table.Th>Outcome</Table.Th>
            <Table.Th>Issued</Table.Th>
            <Table.Th ta="right">Total</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {notes.isPending ? <MessageRow columns={6}>Loading…</MessageRow> : null}
          {unavailable || (notes.data !== undefined && rows.length === 0) ? (
            <MessageRow columns={6}>No credit notes for this customer.</MessageRow>
          ) : null}
          {rows.map((note, index) => {
            const invoice = creditNoteInvoice(note);
            return (
              <Table.Tr key={note.id ?? index}>
                <Table.Td className="mono">{note.number ?? note.id ?? "—"}</Table.Td>
                <Table.Td>
                  {invoice === undefined ? "—" : <AppLink to={`/invoices/${invoice}`}>{invoice}</AppLink>}
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{humanize(note.reason)}</Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{humanize(note.outcome)}</Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{formatInstant(note.issued_at ?? note.created_at)}</Text>
                </Table.Td>
                <Table.Td ta="right">
                  <Amount value={note.total} currency={note.currency} />
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}

export function HistoryTab(props: { customer: Customer }) {
  const [cursor, setCursor] = useState<Cursor>({});
  const [opened, setOpened] = useState<AuditEvent | undefined>(undefined);
  const history = useQuery({
    queryKey: ["customer_history", props.customer.id, cursor],
    queryFn: () => api.get<List<AuditEvent>>(`${customerPath(props.customer.id)}/history`, { limit: 25, ...cursor }),
  });
  const rows = history.data?.data ?? [];
  return (
    <Stack gap="xs">
      <Text size="sm" c="dimmed">
        Every change to this customer, its notes, holds and purchase orders. Open a row for the before and after.
      </Text>
      <ErrorAlert error={history.error} title="The history could not be loaded" />
      <Table striped highlightOnHover>
        <Table.Thead className="table-head">
          <Table.Tr>
            <Table.Th w={190}>Time</Table.Th>
            <Table.Th>Who</Table.Th>
            <Table.Th>Action</Table.Th>
            <Table.Th>Reason</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {history.isPending ? <MessageRow columns={4}>Loading…</MessageRow> : null}
          {rows.map((event) => (
            <Table.Tr key={event.id} className="clickable-row" onClick={() => setOpened(event)}>
              <Table.Td>
                <Text size="sm">{formatInstant(event.occurred_at)}</Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm">{event.actor_name ?? event.actor_id}</Text>
              </Table.Td>
              <Table.Td className="mono">{event.action}</Table.Td>
              <Table.Td>
                <Text size="sm" c={event.reason === null ? "dimmed" : undefined}>
                  {event.reason ?? "—"}
                </Text>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Pager
        cursor={cursor}
        rows={rows}
        hasMore={history.data?.has_more ?? false}
        noun={["event", "events"]}
        onPage={setCursor}
      />
      <AuditDrawer eventId={opened?.id} known={opened} onClose={() => setOpened(undefined)} />
    </Stack>
  );
}
