import { Button, Checkbox, Group, Modal, NumberInput, Select, Stack, Table, Text, TextInput } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { type FormEvent, useState } from "react";
import { ApiError, api, type List } from "../../api.js";
import { utcInstant } from "../../billing.js";
import { describeChargeModel, describeInterval, type Plan, type Price } from "../../catalog.js";
import { ErrorAlert, fieldError, MessageRow } from "../../components/ui.js";
import { type Customer, displayName } from "../../customers.js";
import { humanize } from "../../format.js";
import type { Subscription } from "../../subscriptions.js";

interface Draft {
  plan: string | null;
  /** Chosen prices and their quantities, by price id. */
  quantities: Record<string, string>;
  start: string;
  anchor: "anniversary" | "day_of_month";
  anchorDay: number;
  trialDays: string;
}

const EMPTY: Draft = { plan: null, quantities: {}, start: "", anchor: "anniversary", anchorDay: 1, trialDays: "" };

/** A client-side mistake, shown like the API's own, at the field it is about. */
function localError(message: string, param: string): ApiError {
  return new ApiError(400, { code: "parameter_invalid", message, param });
}

function requestBody(customer: Customer, draft: Draft): Record<string, unknown> {
  const items = Object.entries(draft.quantities).map(([price, quantity]) => ({ price, quantity: quantity.trim() }));
  if (items.length === 0) throw localError("choose at least one price", "items");
  const body: Record<string, unknown> = { customer: customer.id, items };
  if (draft.start.trim() !== "") {
    const start = utcInstant(draft.start);
    if (start === null) throw localError("the start is a date and time", "start_at");
    body.start_at = start;
  }
  body.billing_anchor =
    draft.anchor === "anniversary" ? { kind: "anniversary" } : { kind: "day_of_month", day: draft.anchorDay };
  if (draft.trialDays.trim() !== "") body.trial_days = Number(draft.trialDays);
  return body;
}

/** Starts a subscription for one customer: a plan, some of its prices with quantities, a start and an anchor. */
export function CreateSubscriptionModal(props: { customer: Customer; opened: boolean; onClose: () => void }) {
  const customer = props.customer;
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const plans = useQuery({
    queryKey: ["plans", { status: "active", currency: customer.currency }],
    queryFn: () => api.get<List<Plan>>("/v1/plans", { status: "active", currency: customer.currency, limit: 100 }),
    enabled: props.opened,
  });
  const prices = useQuery({
    queryKey: ["prices", { plan: draft.plan, status: "active" }],
    queryFn: () => api.get<List<Price>>("/v1/prices", { plan: draft.plan, status: "active", limit: 100 }),
    enabled: props.opened && draft.plan !== null,
  });
  const create = useMutation({
    mutationFn: () => api.post<Subscription>("/v1/subscriptions", requestBody(customer, draft)),
    onSuccess: async (subscription) => {
      void queryClient.invalidateQueries({ queryKey: ["subscriptions"] });
      queryClient.setQueryData(["subscription", subscription.id], subscription);
      notifications.show({ color: "teal", message: "Subscription created." });
      close();
      await navigate({ to: "/subscriptions/$id", params: { id: subscription.id } });
    },
  });
  const close = () => {
    create.reset();
    setDraft(EMPTY);
    props.onClose();
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  const plan = plans.data?.data.find((row) => row.id === draft.plan);
  const error = create.error;
  const toggle = (price: Price, on: boolean) => {
    const quantities = { ...draft.quantities };
    if (on) quantities[price.id] = "1";
    else delete quantities[price.id];
    setDraft({ ...draft, quantities });
  };
  return (
    <Modal opened={props.opened} onClose={close} title={`New subscription for ${displayName(customer)}`} size="xl">
      <form onSubmit={submit} noValidate>
        <Stack gap="sm">
          <ErrorAlert error={error} title="The subscription was not created" />
          <Select
            label="Plan"
            placeholder={plans.isPending ? "Loading plans…" : `Active plans in ${customer.currency}`}
            data={(plans.data?.data ?? []).map((row) => ({
              value: row.id,
              label: `${row.name} (${describeInterval(row.interval).toLowerCase()}, ${humanize(row.billing_timing).toLowerCase()})`,
            }))}
            value={draft.plan}
            onChange={(value) => setDraft({ ...draft, plan: value, quantities: {} })}
            nothingFoundMessage={`No active plan in ${customer.currency}`}
            searchable
            error={fieldError(error, "plan")}
          />
          {plan === undefined ? null : (
            <Table withTableBorder>
              <Table.Thead className="table-head">
                <Table.Tr>
                  <Table.Th w={40} />
                  <Table.Th>Price</Table.Th>
                  <Table.Th>Charge</Table.Th>
                  <Table.Th w={140}>Quantity</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {prices.isPending ? <MessageRow columns={4}>Loading prices…</MessageRow> : null}
                {prices.data?.data.length === 0 ? (
                  <MessageRow columns={4}>This plan has no active price.</MessageRow>
                ) : null}
                {(prices.data?.data ?? []).map((price) => {
                  const chosen = draft.quantities[price.id];
                  const label = price.nickname ?? price.id;
                  return (
                    <Table.Tr key={price.id}>
                      <Table.Td>
                        <Checkbox
                          aria-label={`Include ${label}`}
                          checked={chosen !== undefined}
                          onChange={(event) => toggle(price, event.currentTarget.checked)}
                        />
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm">{label}</Text>
                        {price.billable_metric === null ? null : (
                          <Text size="xs" c="dimmed">
                            Metered: {price.billable_metric}
                          </Text>
                        )}
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm">{describeChargeModel(price.charge_model, price.currency)}</Text>
                      </Table.Td>
                      <Table.Td>
                        <TextInput
                          aria-label={`Quantity of ${label}`}
                          inputMode="decimal"
                          disabled={chosen === undefined}
                          value={chosen ?? ""}
                          onChange={(event) =>
                            setDraft({
                              ...draft,
                              quantities: { ...draft.quantities, [price.id]: event.currentTarget.value },
                            })
                          }
                          error={
                            chosen === undefined
                              ? undefined
                              : fieldError(error, `items.${Object.keys(draft.quantities).indexOf(price.id)}.quantity`)
                          }
                        />
                      </Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          )}
          {fieldError(error, "items") === undefined ? null : (
            <Text size="xs" c="red">
              {fieldError(error, "items")}
            </Text>
          )}
          <Group grow align="flex-start">
            <TextInput
              label="Start (UTC)"
              description="Blank starts now; a past date migrates an existing contract"
              type="datetime-local"
              value={draft.start}
              onChange={(event) => setDraft({ ...draft, start: event.currentTarget.value })}
              error={fieldError(error, "start_at")}
            />
            <Select
              label="Billing anchor"
              description="Which day periods start on"
              data={[
                { value: "anniversary", label: "Anniversary of the start" },
                { value: "day_of_month", label: "A fixed day of the month" },
              ]}
              value={draft.anchor}
              allowDeselect={false}
              onChange={(anchor) => anchor !== null && setDraft({ ...draft, anchor: anchor as Draft["anchor"] })}
              error={fieldError(error, "billing_anchor")}
            />
            {draft.anchor === "day_of_month" ? (
              <NumberInput
                label="Anchor day"
                min={1}
                max={31}
                value={draft.anchorDay}
                onChange={(day) => setDraft({ ...draft, anchorDay: Number(day) || 1 })}
                error={fieldError(error, "billing_anchor.day")}
              />
            ) : null}
            <TextInput
              label="Trial days"
              description={plan === undefined ? "Blank: the plan's trial" : `Blank: the plan's ${plan.trial_days}`}
              inputMode="numeric"
              value={draft.trialDays}
              onChange={(event) => setDraft({ ...draft, trialDays: event.currentTarget.value })}
              error={fieldError(error, "trial_days")}
            />
          </Group>
          <Group justify="flex-end" mt="sm">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending}>
              Create subscription
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
