import { Badge, Button, Card, Checkbox, Group, Modal, Stack, Table, Text, Textarea, TextInput } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { api, type List } from "../../api.js";
import { Amount, ErrorAlert, fieldError, MessageRow } from "../../components/ui.js";
import { type Customer, type CustomerNote, customerPath, type PurchaseOrder } from "../../customers.js";
import { formatInstant } from "../../format.js";

export function PurchaseOrdersTab(props: { customer: Customer }) {
  const customer = props.customer;
  const queryClient = useQueryClient();
  const [adding, setAdding] = useState(false);
  const orders = useQuery({
    queryKey: ["purchase_orders", customer.id],
    queryFn: () => api.get<List<PurchaseOrder>>(`${customerPath(customer.id)}/purchase_orders`, { limit: 100 }),
  });
  const toggle = useMutation({
    mutationFn: (order: PurchaseOrder) =>
      api.post<PurchaseOrder>(`${customerPath(customer.id)}/purchase_orders/${order.id}`, { active: !order.active }),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ["purchase_orders", customer.id] }),
    onError: (error) => notifications.show({ color: "red", title: "Not changed", message: error.message }),
  });
  const rows = orders.data?.data ?? [];
  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <Text size="sm" c="dimmed">
          {customer.po_required
            ? "This customer requires a PO number on every invoice."
            : "PO numbers cited on invoices consume the PO's cap."}
        </Text>
        <Button size="xs" onClick={() => setAdding(true)} disabled={customer.archived}>
          Add purchase order
        </Button>
      </Group>
      <ErrorAlert error={orders.error} title="The purchase orders could not be loaded" />
      <Table striped>
        <Table.Thead className="table-head">
          <Table.Tr>
            <Table.Th>Number</Table.Th>
            <Table.Th>Description</Table.Th>
            <Table.Th>Valid</Table.Th>
            <Table.Th ta="right">Cap</Table.Th>
            <Table.Th ta="right">Consumed</Table.Th>
            <Table.Th ta="right">Remaining</Table.Th>
            <Table.Th>Status</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {orders.isPending ? <MessageRow columns={8}>Loading…</MessageRow> : null}
          {orders.data !== undefined && rows.length === 0 ? (
            <MessageRow columns={8}>No purchase orders.</MessageRow>
          ) : null}
          {rows.map((order) => (
            <Table.Tr key={order.id}>
              <Table.Td className="mono">{order.number}</Table.Td>
              <Table.Td>
                <Text size="sm">{order.description ?? "—"}</Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm">
                  {order.valid_from ?? "…"} – {order.valid_to ?? "…"}
                </Text>
              </Table.Td>
              <Table.Td ta="right">
                {order.amount_cap === null ? "No cap" : <Amount value={order.amount_cap} currency={order.currency} />}
              </Table.Td>
              <Table.Td ta="right">
                <Amount value={order.amount_consumed} currency={order.currency} />
              </Table.Td>
              <Table.Td ta="right">
                {order.amount_remaining === null ? (
                  "—"
                ) : (
                  <Amount value={order.amount_remaining} currency={order.currency} />
                )}
              </Table.Td>
              <Table.Td>
                <Badge size="sm" variant="light" color={order.active ? "teal" : "gray"}>
                  {order.active ? "Active" : "Inactive"}
                </Badge>
              </Table.Td>
              <Table.Td ta="right">
                <Button size="compact-xs" variant="subtle" onClick={() => toggle.mutate(order)}>
                  {order.active ? "Deactivate" : "Activate"}
                </Button>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <AddPurchaseOrderModal customer={customer} opened={adding} onClose={() => setAdding(false)} />
    </Stack>
  );
}

function AddPurchaseOrderModal(props: { customer: Customer; opened: boolean; onClose: () => void }) {
  const queryClient = useQueryClient();
  const empty = { number: "", description: "", valid_from: "", valid_to: "", amount_cap: "" };
  const [draft, setDraft] = useState(empty);
  const create = useMutation({
    mutationFn: () => {
      const body: Record<string, string> = { number: draft.number.trim() };
      for (const key of ["description", "valid_from", "valid_to", "amount_cap"] as const)
        if (draft[key].trim() !== "") body[key] = draft[key].trim();
      return api.post<PurchaseOrder>(`${customerPath(props.customer.id)}/purchase_orders`, body);
    },
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ["purchase_orders", props.customer.id] });
      close();
    },
  });
  const close = () => {
    create.reset();
    setDraft(empty);
    props.onClose();
  };
  const set = (key: keyof typeof empty) => (event: { currentTarget: { value: string } }) =>
    setDraft({ ...draft, [key]: event.currentTarget.value });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  return (
    <Modal opened={props.opened} onClose={close} title="Add a purchase order">
      <form onSubmit={submit} noValidate>
        <Stack gap="sm">
          <ErrorAlert error={create.error} title="The purchase order was not added" />
          <TextInput
            label="PO number"
            value={draft.number}
            onChange={set("number")}
            error={fieldError(create.error, "number")}
          />
          <TextInput
            label="Description"
            value={draft.description}
            onChange={set("description")}
            error={fieldError(create.error, "description")}
          />
          <Group grow>
            <TextInput
              label="Valid from"
              type="date"
              value={draft.valid_from}
              onChange={set("valid_from")}
              error={fieldError(create.error, "valid_from")}
            />
            <TextInput
              label="Valid to"
              type="date"
              value={draft.valid_to}
              onChange={set("valid_to")}
              error={fieldError(create.error, "valid_to")}
            />
          </Group>
          <TextInput
            label={`Cap (${props.customer.currency})`}
            description="Blank for no cap"
            inputMode="decimal"
            value={draft.amount_cap}
            onChange={set("amount_cap")}
            error={fieldError(create.error, "amount_cap")}
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending}>
              Add purchase order
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

export function HoldsTab(props: { customer: Customer }) {
  const customer = props.customer;
  const queryClient = useQueryClient();
  const [reason, setReason] = useState("");
  const onSuccess = (updated: Customer) => {
    queryClient.setQueryData(["customer", updated.id], updated);
    void queryClient.invalidateQueries({ queryKey: ["customers"] });
    void queryClient.invalidateQueries({ queryKey: ["customer_history", updated.id] });
    setReason("");
  };
  const place = useMutation({
    mutationFn: () => api.post<Customer>(`${customerPath(customer.id)}/billing_hold`, { reason: reason.trim() }),
    onSuccess,
  });
  const release = useMutation({
    mutationFn: () => api.post<Customer>(`${customerPath(customer.id)}/billing_hold/release`),
    onSuccess,
  });
  return (
    <Stack gap="md">
      <Card withBorder>
        <Text fw={600} mb={4}>
          Billing hold
        </Text>
        <Text size="sm" c="dimmed" mb="sm">
          Billing runs skip a customer on hold and record why. Use it while a dispute or a contract change is sorted
          out.
        </Text>
        <ErrorAlert error={place.error ?? release.error} title="The hold was not changed" />
        {customer.billing_hold === null ? (
          <form
            onSubmit={(event) => {
              event.preventDefault();
              place.mutate();
            }}
            noValidate
          >
            <Group align="flex-end">
              <TextInput
                label="Reason"
                placeholder="Disputed usage for October"
                w={420}
                value={reason}
                onChange={(event) => setReason(event.currentTarget.value)}
                error={fieldError(place.error, "reason")}
              />
              <Button type="submit" color="orange" loading={place.isPending}>
                Put on billing hold
              </Button>
            </Group>
          </form>
        ) : (
          <Group justify="space-between">
            <Text size="sm">
              On hold since {formatInstant(customer.billing_hold.set_at)} by{" "}
              {customer.billing_hold.set_by_name ?? customer.billing_hold.set_by}: <b>{customer.billing_hold.reason}</b>
            </Text>
            <Button variant="default" loading={release.isPending} onClick={() => release.mutate()}>
              Release hold
            </Button>
          </Group>
        )}
      </Card>
      <Card withBorder>
        <Text fw={600} mb={4}>
          Credit hold
        </Text>
        <Text size="sm" c={customer.credit_hold === null ? "dimmed" : undefined}>
          {customer.credit_hold === null
            ? "Not on credit hold. Collections sets it when a customer falls behind."
            : `On credit hold since ${formatInstant(customer.credit_hold.set_at)}: ${customer.credit_hold.reason}`}
        </Text>
      </Card>
    </Stack>
  );
}

export function NotesTab(props: { customer: Customer }) {
  const customer = props.customer;
  const queryClient = useQueryClient();
  const [body, setBody] = useState("");
  const [pinned, setPinned] = useState(false);
  const key = ["customer_notes", customer.id];
  const notes = useQuery({
    queryKey: key,
    queryFn: () => api.get<List<CustomerNote>>(`${customerPath(customer.id)}/notes`, { limit: 100 }),
  });
  const add = useMutation({
    mutationFn: () => api.post<CustomerNote>(`${customerPath(customer.id)}/notes`, { body: body.trim(), pinned }),
    onSuccess: () => {
      setBody("");
      setPinned(false);
      void queryClient.invalidateQueries({ queryKey: key });
    },
  });
  const pin = useMutation({
    mutationFn: (note: CustomerNote) =>
      api.post<CustomerNote>(`${customerPath(customer.id)}/notes/${note.id}/${note.pinned ? "unpin" : "pin"}`),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: key }),
    onError: (error) => notifications.show({ color: "red", title: "Not changed", message: error.message }),
  });
  return (
    <Stack gap="sm">
      <form
        onSubmit={(event) => {
          event.preventDefault();
          add.mutate();
        }}
        noValidate
      >
        <ErrorAlert error={add.error} title="The note was not added" />
        <Textarea
          label="New note"
          description="Notes are kept as written: they cannot be edited or deleted."
          autosize
          minRows={2}
          value={body}
          onChange={(event) => setBody(event.currentTarget.value)}
          error={fieldError(add.error, "body")}
        />
        <Group justify="space-between" mt="xs">
          <Checkbox
            label="Pin to the top"
            checked={pinned}
            onChange={(event) => setPinned(event.currentTarget.checked)}
          />
          <Button type="submit" size="xs" loading={add.isPending}>
            Add note
          </Button>
        </Group>
      </form>
      <ErrorAlert error={notes.error} title="The notes could not be loaded" />
      {notes.data?.data.length === 0 ? (
        <Text size="sm" c="dimmed">
          No notes yet.
        </Text>
      ) : null}
      {(notes.data?.data ?? []).map((note) => (
        <Card
          key={note.id}
          withBorder
          padding="sm"
          bg={note.pinned ? "yellow.0" : undefined}
          data-testid={note.pinned ? "pinned-note" : "note"}
        >
          <Group justify="space-between" mb={4}>
            <Text size="xs" c="dimmed">
              {note.author.name ?? note.author.id} · {formatInstant(note.created_at)}
              {note.pinned ? " · pinned" : ""}
            </Text>
            <Button size="compact-xs" variant="subtle" onClick={() => pin.mutate(note)}>
              {note.pinned ? "Unpin" : "Pin"}
            </Button>
          </Group>
          <Text size="sm" style={{ whiteSpace: "pre-wrap" }}>
            {note.body}
          </Text>
        </Card>
      ))}
    </Stack>
  );
}
