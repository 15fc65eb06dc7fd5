import { ActionIcon, Alert, Button, Group, Modal, Select, Stack, Table, Text, TextInput } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, type List } from "../../api.js";
import { describeChargeModel, type Price } from "../../catalog.js";
import { Amount, ErrorAlert, fieldError } from "../../components/ui.js";
import { formatInstant, humanize, sumAmounts } from "../../format.js";
import {
  type BillingCycle,
  type ChangePreview,
  PRORATION_BEHAVIORS,
  type ProrationBehavior,
  type Subscription,
  subscriptionPath,
} from "../../subscriptions.js";

interface ItemDraft {
  price: string;
  quantity: string;
}

type Timing = "immediately" | "at_period_end";

const BEHAVIOR_HELP: Record<ProrationBehavior, string> = {
  create_prorations: "Credit and charge for the rest of the period on the next invoice",
  always_invoice: "Credit and charge for the rest of the period on an invoice now",
  none: "No credit or charge; the new items bill from the next period",
};

/**
 * Changes seats or prices. The change is previewed first — the proration
 * lines and their net — and only a confirmed preview is applied; any edit to
 * the form asks for a new preview.
 */
export function ChangeSubscriptionModal(props: { subscription: Subscription; opened: boolean; onClose: () => void }) {
  const subscription = props.subscription;
  const queryClient = useQueryClient();
  const initial = () => subscription.items.map((item) => ({ price: item.price, quantity: item.quantity }));
  const [items, setItems] = useState<ItemDraft[]>(initial);
  const [behavior, setBehavior] = useState<ProrationBehavior>(subscription.proration_behavior ?? "create_prorations");
  const [timing, setTiming] = useState<Timing>("immediately");
  const prices = useQuery({
    queryKey: ["prices", { status: "active", type: "recurring" }],
    queryFn: () => api.get<List<Price>>("/v1/prices", { status: "active", type: "recurring", limit: 100 }),
    enabled: props.opened,
  });
  const body = () => ({
    items: items.map((item) => ({ price: item.price, quantity: item.quantity.trim() })),
    proration_behavior: behavior,
    timing,
  });
  const preview = useMutation({
    mutationFn: () => api.post<ChangePreview>(`${subscriptionPath(subscription.id)}/preview_change`, body()),
  });
  const apply = useMutation({
    mutationFn: () => api.post<Subscription>(subscriptionPath(subscription.id), body()),
    onSuccess: (updated) => {
      queryClient.setQueryData(["subscription", updated.id], updated);
      void queryClient.invalidateQueries({ queryKey: ["subscriptions"] });
      void queryClient.invalidateQueries({ queryKey: ["subscription_changes", updated.id] });
      notifications.show({ color: "teal", message: "The subscription was changed." });
      close();
    },
  });
  const edited = () => {
    preview.reset();
    apply.reset();
  };
  const close = () => {
    preview.reset();
    apply.reset();
    setItems(initial());
    setTiming("immediately");
    props.onClose();
  };
  const priceOptions = (prices.data?.data ?? [])
    .filter((price) => price.currency === subscription.currency)
    .map((price) => ({
      value: price.id,
      label: `${price.nickname ?? price.id} — ${describeChargeModel(price.charge_model, price.currency)}`,
    }));
  // A held price that is no longer listed (archived) stays choosable under its item description.
  for (const item of subscription.items)
    if (!priceOptions.some((option) => option.value === item.price))
      priceOptions.push({ value: item.price, label: item.description });
  const error = preview.error ?? apply.error;
  const result = preview.data;
  return (
    <Modal opened={props.opened} onClose={close} title="Change subscription" size="xl">
      <Stack gap="sm">
        <ErrorAlert
          error={error}
          title={apply.error === null ? "The change cannot be previewed" : "The change was not made"}
        />
        <Text size="sm" c="dimmed">
          List every item the subscription should hold after the change; an item removed here stops billing.
        </Text>
        {items.map((item, index) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: items are edited in place and have no id of their own yet
          <Group key={index} gap="sm" align="flex-start" wrap="nowrap">
            <Select
              label="Price"
              data={priceOptions}
              value={item.price}
              allowDeselect={false}
              searchable
              style={{ flex: 1 }}
              onChange={(price) => {
                if (price === null) return;
                setItems(items.map((row, i) => (i === index ? { ...row, price } : row)));
                edited();
              }}
              error={fieldError(error, `items.${index}.price`)}
            />
            <TextInput
              label="Quantity"
              w={120}
              inputMode="decimal"
              value={item.quantity}
              onChange={(event) => {
                const quantity = event.currentTarget.value;
                setItems(items.map((row, i) => (i === index ? { ...row, quantity } : row)));
                edited();
              }}
              error={fieldError(error, `items.${index}.quantity`)}
            />
            <ActionIcon
              mt={26}
              variant="subtle"
              color="red"
              aria-label="Remove item"
              disabled={items.length === 1}
              onClick={() => {
                setItems(items.filter((_, i) => i !== index));
                edited();
              }}
            >
              ✕
            </ActionIcon>
          </Group>
        ))}
        {fieldError(error, "items") !== undefined &&
        !/^items\.\d+\./.test(String((error as { param?: string }).param)) ? (
          <Text size="xs" c="red">
            {fieldError(error, "items")}
          </Text>
        ) : null}
        <Group>
          <Button
            size="xs"
            variant="default"
            onClick={() => {
              const first = priceOptions[0];
              if (first === undefined) return;
              setItems([...items, { price: first.value, quantity: "1" }]);
              edited();
            }}
          >
            Add item
          </Button>
        </Group>
        <Group grow align="flex-start">
          <Select
            label="Proration"
            data={PRORATION_BEHAVIORS.map((value) => ({ value, label: humanize(value) }))}
            value={behavior}
            allowDeselect={false}
            description={BEHAVIOR_HELP[behavior]}
            onChange={(value) => {
              if (value === null) return;
              setBehavior(value as ProrationBehavior);
              edited();
            }}
            error={fieldError(error, "proration_behavior")}
          />
          <Select
            label="Timing"
            data={[
              { value: "immediately", label: "Immediately" },
              { value: "at_period_end", label: "At the end of the current period" },
            ]}
            value={timing}
            allowDeselect={false}
            onChange={(value) => {
              if (value === null) return;
              setTiming(value as Timing);
              edited();
            }}
            error={fieldError(error, "timing")}
          />
        </Group>
        {result === undefined ? null : <PreviewLines preview={result} currency={subscription.currency} />}
        <Group justify="flex-end" mt="sm">
          <Button variant="default" onClick={close}>
            Cancel
          </Button>
          <Button
            variant={result === undefined ? "filled" : "default"}
            loading={preview.isPending}
            onClick={() => preview.mutate()}
          >
            {result === undefined ? "Preview change" : "Preview again"}
          </Button>
          <Button
            disabled={result === undefined}
            loading={apply.isPending}
            onClick={() => apply.mutate()}
            title={result === undefined ? "Preview the change first" : undefined}
          >
            Confirm change
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

function PreviewLines(props: { preview: ChangePreview; currency: string }) {
  const { preview } = props;
  const net = sumAmounts(preview.lines.map((line) => line.amount));
  return (
    <Stack gap="xs" data-testid="change-preview">
      <Alert color="blue" variant="light" title={`Takes effect ${formatInstant(preview.effective_at)}`}>
        <Text size="sm">
          After the change: {preview.items.map((item) => `${item.quantity} × ${item.description}`).join(", ")}.{" "}
          {preview.lines.length === 0
            ? "No proration lines: nothing is credited or charged for the current period."
            : preview.proration_behavior === "always_invoice"
              ? "These lines are invoiced as soon as you confirm."
              : "These lines join the next invoice."}
        </Text>
      </Alert>
      {preview.billing_cycle === null ? null : <NewCycle cycle={preview.billing_cycle} currency={props.currency} />}
      {preview.lines.length === 0 ? null : (
        <Table withTableBorder>
          <Table.Thead className="table-head">
            <Table.Tr>
              <Table.Th>Description</Table.Th>
              <Table.Th>Period</Table.Th>
              <Table.Th ta="right">Quantity</Table.Th>
              <Table.Th ta="right">Amount</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {preview.lines.map((line) => (
              <Table.Tr key={`${line.description}-${line.period_start}-${line.amount}`} data-testid="proration-line">
                <Table.Td>
                  <Text size="sm">{line.description}</Text>
                  <Text size="xs" c="dimmed">
                    {line.explanation}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">
                    {formatInstant(line.period_start)} → {formatInstant(line.period_end)}
                  </Text>
                </Table.Td>
                <Table.Td ta="right" className="mono">
                  {line.quantity}
                </Table.Td>
                <Table.Td ta="right">
                  <Amount value={line.amount} currency={line.currency} />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
          <Table.Tfoot className="table-foot">
            <Table.Tr>
              <Table.Td colSpan={3}>Net {net.startsWith("-") ? "credit" : "charge"}</Table.Td>
              <Table.Td ta="right" data-testid="proration-net">
                <Amount value={net} currency={props.currency} strong />
              </Table.Td>
            </Table.Tr>
          </Table.Tfoot>
        </Table>
      )}
    </Stack>
  );
}

/** The billing cycle an interval change starts, and what its first period will charge on the next invoice. */
function NewCycle(props: { cycle: BillingCycle; currency: string }) {
  const { cycle } = props;
  const every = `${cycle.interval.count === 1 ? "every" : `every ${cycle.interval.count}`} ${cycle.interval.unit}${cycle.interval.count === 1 ? "" : "s"}`;
  const charge = sumAmounts(cycle.lines.map((line) => line.amount));
  return (
    <Alert color="grape" variant="light" title="The billing cycle changes" data-testid="change-billing-cycle">
      <Text size="sm">
        From {formatInstant(cycle.starts_at)} the subscription bills {every}. Its first period, no.{" "}
        {cycle.first_period.index}, runs {formatInstant(cycle.first_period.start)} →{" "}
        {formatInstant(cycle.first_period.end)} and charges <Amount value={charge} currency={props.currency} /> on the
        next invoice, beside the lines below.
      </Text>
    </Alert>
  );
}
