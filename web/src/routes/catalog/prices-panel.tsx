import { Button, Code, Drawer, Group, Modal, Paper, Select, Stack, Table, Text, TextInput } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { getRouteApi } from "@tanstack/react-router";
import { type FormEvent, useState } from "react";
import { api, type List } from "../../api.js";
import {
  type ChargeModel,
  describeChargeModel,
  type Plan,
  type Price,
  type PricePreview,
  type PriceVersion,
  type Product,
} from "../../catalog.js";
import { Amount, ErrorAlert, fieldError, Id, MessageRow, StatusBadge } from "../../components/ui.js";
import { formatInstant } from "../../format.js";
import {
  type ChargeModelDraft,
  ChargeModelEditor,
  chargeModelBody,
  chargeModelDraft,
  EMPTY_CHARGE_MODEL,
} from "./charge-model-editor.js";

const route = getRouteApi("/signed-in/catalog");

function useProductsAndPlans() {
  const products = useQuery({
    queryKey: ["products", undefined],
    queryFn: () => api.get<List<Product>>("/v1/products", { status: "active", limit: 100 }),
  });
  const plans = useQuery({
    queryKey: ["plans", { status: undefined }],
    queryFn: () => api.get<List<Plan>>("/v1/plans", { status: "active", limit: 100 }),
  });
  return { products: products.data?.data ?? [], plans: plans.data?.data ?? [] };
}

export function PricesPanel() {
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const [creating, setCreating] = useState(false);
  const { products, plans } = useProductsAndPlans();
  const filter = { product: search.product, plan: search.plan, status: search.status ?? "active" };
  const prices = useQuery({
    queryKey: ["prices", filter],
    queryFn: () =>
      api.get<List<Price>>("/v1/prices", {
        ...filter,
        status: filter.status === "all" ? undefined : filter.status,
        limit: 100,
      }),
  });
  const rows = prices.data?.data ?? [];
  const productName = (id: string) => products.find((product) => product.id === id)?.name ?? id;
  const planName = (id: string | null) =>
    id === null ? "Sold alone" : (plans.find((plan) => plan.id === id)?.name ?? id);
  const setFilter = (patch: Record<string, string | undefined>) =>
    void navigate({ search: (prev) => ({ ...prev, tab: "prices", price: undefined, ...patch }) });
  return (
    <Stack gap="sm">
      <Group justify="space-between" align="flex-end">
        <Group gap="sm" align="flex-end">
          <Select
            label="Product"
            placeholder="All products"
            clearable
            w={220}
            data={products.map((product) => ({ value: product.id, label: product.name }))}
            value={search.product ?? null}
            onChange={(product) => setFilter({ product: product ?? undefined })}
          />
          <Select
            label="Plan"
            placeholder="All plans"
            clearable
            w={220}
            data={plans.map((plan) => ({ value: plan.id, label: plan.name }))}
            value={search.plan ?? null}
            onChange={(plan) => setFilter({ plan: plan ?? undefined })}
          />
          <Select
            label="Status"
            w={130}
            data={[
              { value: "active", label: "Active" },
              { value: "archived", label: "Archived" },
              { value: "all", label: "All" },
            ]}
            value={filter.status}
            allowDeselect={false}
            onChange={(status) => setFilter({ status: status === "active" || status === null ? undefined : status })}
          />
        </Group>
        <Button onClick={() => setCreating(true)}>New price</Button>
      </Group>
      <ErrorAlert error={prices.error} title="The prices could not be loaded" />
      <Paper withBorder radius="sm">
        <Table striped highlightOnHover>
          <Table.Thead className="table-head">
            <Table.Tr>
              <Table.Th>Price</Table.Th>
              <Table.Th>Product</Table.Th>
              <Table.Th>Plan</Table.Th>
              <Table.Th>Charge</Table.Th>
              <Table.Th>Version from</Table.Th>
              <Table.Th>Status</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {prices.isPending ? <MessageRow columns={6}>Loading…</MessageRow> : null}
            {prices.data !== undefined && rows.length === 0 ? <MessageRow columns={6}>No prices.</MessageRow> : null}
            {rows.map((price) => (
              <Table.Tr
                key={price.id}
                className="clickable-row"
                onClick={() => void navigate({ search: (prev) => ({ ...prev, price: price.id }) })}
              >
                <Table.Td>
                  <Text size="sm" fw={500}>
                    {price.nickname ?? price.id}
                  </Text>
                  {price.billable_metric === null ? null : (
                    <Text size="xs" c="dimmed">
                      Metered: {price.billable_metric}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{productName(price.product)}</Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{planName(price.plan)}</Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{describeChargeModel(price.charge_model, price.currency)}</Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{formatInstant(price.version.effective_from)}</Text>
                </Table.Td>
                <Table.Td>
                  <StatusBadge status={price.status} />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Paper>
      <CreatePriceModal
        opened={creating}
        onClose={() => setCreating(false)}
        products={products}
        plans={plans}
        initial={{ product: search.product ?? null, plan: search.plan ?? null }}
      />
      <PriceDrawer
        priceId={search.price}
        onClose={() => void navigate({ search: (prev) => ({ ...prev, price: undefined }) })}
      />
    </Stack>
  );
}

function CreatePriceModal(props: {
  opened: boolean;
  onClose: () => void;
  products: Product[];
  plans: Plan[];
  initial: { product: string | null; plan: string | null };
}) {
  const queryClient = useQueryClient();
  const navigate = route.useNavigate();
  const [product, setProduct] = useState<string | null>(props.initial.product);
  const [plan, setPlan] = useState<string | null>(props.initial.plan);
  const [nickname, setNickname] = useState("");
  const [currency, setCurrency] = useState("");
  const [metric, setMetric] = useState("");
  const [model, setModel] = useState<ChargeModelDraft>(EMPTY_CHARGE_MODEL);
  const chosenPlan = props.plans.find((row) => row.id === plan);
  const create = useMutation({
    mutationFn: () =>
      api.post<Price>("/v1/prices", {
        product: product ?? "",
        ...(plan === null ? {} : { plan }),
        ...(nickname.trim() === "" ? {} : { nickname: nickname.trim() }),
        ...(currency.trim() === "" ? {} : { currency: currency.trim().toUpperCase() }),
        ...(metric.trim() === "" ? {} : { billable_metric: metric.trim() }),
        charge_model: chargeModelBody(model),
      }),
    onSuccess: (price) => {
      void queryClient.invalidateQueries({ queryKey: ["prices"] });
      notifications.show({ color: "teal", message: "Price created." });
      close();
      void navigate({ search: (prev) => ({ ...prev, tab: "prices", price: price.id }) });
    },
  });
  const close = () => {
    create.reset();
    setNickname("");
    setCurrency("");
    setMetric("");
    setModel(EMPTY_CHARGE_MODEL);
    props.onClose();
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  const error = create.error;
  const shownCurrency = currency.trim().toUpperCase() || chosenPlan?.currency || "";
  return (
    <Modal opened={props.opened} onClose={close} title="New price" size="xl">
      <form onSubmit={submit} noValidate>
        <Stack gap="sm">
          <ErrorAlert error={error} title="The price was not created" />
          <Group grow align="flex-start">
            <Select
              label="Product"
              data={props.products.map((row) => ({ value: row.id, label: row.name }))}
              value={product}
              onChange={setProduct}
              searchable
              error={fieldError(error, "product")}
            />
            <Select
              label="Plan"
              description="Leave empty for a price sold alone (one-off)"
              data={props.plans.map((row) => ({ value: row.id, label: `${row.name} (${row.currency})` }))}
              value={plan}
              onChange={setPlan}
              clearable
              searchable
              error={fieldError(error, "plan")}
            />
          </Group>
          <Group grow align="flex-start">
            <TextInput
              label="Nickname"
              placeholder="Seats"
              value={nickname}
              onChange={(event) => setNickname(event.currentTarget.value)}
              error={fieldError(error, "nickname")}
            />
            <TextInput
              label="Currency"
              description={
                chosenPlan === undefined ? "Required when sold alone" : `Blank: the plan's ${chosenPlan.currency}`
              }
              maxLength={3}
              value={currency}
              onChange={(event) => setCurrency(event.currentTarget.value)}
              error={fieldError(error, "currency")}
            />
            <TextInput
              label="Billable metric"
              description="For metered prices: the usage metric's code"
              value={metric}
              onChange={(event) => setMetric(event.currentTarget.value)}
              error={fieldError(error, "billable_metric")}
            />
          </Group>
          <ChargeModelEditor
            value={model}
            onChange={setModel}
            currency={shownCurrency}
            error={error}
            param="charge_model"
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending}>
              Create price
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function ChargeModelTable(props: { model: ChargeModel; currency: string }) {
  const { model, currency } = props;
  if (model.kind !== "graduated" && model.kind !== "volume")
    return <Text size="sm">{describeChargeModel(model, currency)}</Text>;
  return (
    <Stack gap={4}>
      <Text size="sm">{describeChargeModel(model, currency)}</Text>
      <Table withTableBorder>
        <Table.Thead className="table-head">
          <Table.Tr>
            <Table.Th>Up to</Table.Th>
            <Table.Th ta="right">Unit</Table.Th>
            <Table.Th ta="right">Flat</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {model.tiers.map((tier) => (
            <Table.Tr key={tier.up_to ?? "last"}>
              <Table.Td className="mono">{tier.up_to ?? "∞"}</Table.Td>
              <Table.Td ta="right">
                <Amount value={tier.unit_amount ?? "0"} currency={currency} dimZero />
              </Table.Td>
              <Table.Td ta="right">
                <Amount value={tier.flat_amount ?? "0"} currency={currency} dimZero />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}

function PriceDrawer(props: { priceId: string | undefined; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState(false);
  const price = useQuery({
    queryKey: ["price", props.priceId],
    queryFn: () => api.get<Price>(`/v1/prices/${props.priceId}`),
    enabled: props.priceId !== undefined,
  });
  const versions = useQuery({
    queryKey: ["price_versions", props.priceId],
    queryFn: () => api.get<List<PriceVersion>>(`/v1/prices/${props.priceId}/versions`, { limit: 100 }),
    enabled: props.priceId !== undefined,
  });
  const archive = useMutation({
    mutationFn: () => api.post<Price>(`/v1/prices/${props.priceId}/archive`),
    onSuccess: (updated) => {
      queryClient.setQueryData(["price", updated.id], updated);
      void queryClient.invalidateQueries({ queryKey: ["prices"] });
    },
    onError: (error) => notifications.show({ color: "red", title: "Not archived", message: error.message }),
  });
  const current = price.data;
  return (
    <Drawer
      opened={props.priceId !== undefined}
      onClose={props.onClose}
      position="right"
      size="xl"
      title={<Text fw={600}>{current?.nickname ?? "Price"}</Text>}
    >
      <ErrorAlert error={price.error} title="The price could not be loaded" />
      {current === undefined ? null : (
        <Stack gap="md">
          <Group justify="space-between">
            <Group gap="xs">
              <Id value={current.id} />
              <StatusBadge status={current.status} />
              <Text size="sm" c="dimmed">
                {current.type === "recurring" ? "Recurring" : "Sold alone"} · {current.currency}
              </Text>
            </Group>
            <Group gap="xs">
              <Button
                size="xs"
                variant="default"
                onClick={() => setEditing(true)}
                disabled={current.status !== "active"}
              >
                New version
              </Button>
              {current.status === "active" ? (
                <Button
                  size="xs"
                  variant="subtle"
                  color="red"
                  loading={archive.isPending}
                  onClick={() => archive.mutate()}
                >
                  Archive
                </Button>
              ) : null}
            </Group>
          </Group>
          <ChargeModelTable model={current.charge_model} currency={current.currency} />
          <PricePreviewBox price={current} />
          <Stack gap={4}>
            <Text fw={600}>Versions</Text>
            <ErrorAlert error={versions.error} title="The versions could not be loaded" />
            <Table withTableBorder>
              <Table.Thead className="table-head">
                <Table.Tr>
                  <Table.Th>Effective from</Table.Th>
                  <Table.Th>Charge</Table.Th>
                  <Table.Th>Other currencies</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {(versions.data?.data ?? []).map((version) => (
                  <Table.Tr key={version.id} bg={version.id === current.version.id ? "indigo.0" : undefined}>
                    <Table.Td>
                      <Text size="sm">{formatInstant(version.effective_from)}</Text>
                      {version.id === current.version.id ? (
                        <Text size="xs" c="indigo">
                          in effect
                        </Text>
                      ) : null}
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{describeChargeModel(version.charge_model, version.currency)}</Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{Object.keys(version.currency_options).join(", ") || "—"}</Text>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Stack>
          {editing ? <NewVersionModal price={current} onClose={() => setEditing(false)} /> : null}
        </Stack>
      )}
    </Drawer>
  );
}

function NewVersionModal(props: { price: Price; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [model, setModel] = useState<ChargeModelDraft>(chargeModelDraft(props.price.charge_model));
  const [effective, setEffective] = useState("");
  const save = useMutation({
    mutationFn: () =>
      api.post<Price>(`/v1/prices/${props.price.id}`, {
        charge_model: chargeModelBody(model),
        ...(effective.trim() === "" ? {} : { effective_from: `${effective.trim()}:00Z` }),
      }),
    onSuccess: (updated) => {
      queryClient.setQueryData(["price", updated.id], updated);
      void queryClient.invalidateQueries({ queryKey: ["prices"] });
      void queryClient.invalidateQueries({ queryKey: ["price_versions", updated.id] });
      notifications.show({ color: "teal", message: "New version added." });
      props.onClose();
    },
  });
  return (
    <Modal opened onClose={props.onClose} title="New price version" size="xl">
      <form
        onSubmit={(event) => {
          event.preventDefault();
          save.mutate();
        }}
        noValidate
      >
        <Stack gap="sm">
          <Text size="sm" c="dimmed">
            New amounts apply to new subscriptions from the effective time; running subscriptions keep the version they
            hold until they are changed.
          </Text>
          <ErrorAlert error={save.error} title="The version was not added" />
          <ChargeModelEditor
            value={model}
            onChange={setModel}
            currency={props.price.currency}
            error={save.error}
            param="charge_model"
          />
          <TextInput
            label="Effective from (UTC)"
            description="Blank: now"
            type="datetime-local"
            value={effective}
            onChange={(event) => setEffective(event.currentTarget.value)}
            error={fieldError(save.error, "effective_from")}
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={props.onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={save.isPending}>
              Add version
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** What a quantity costs under this price, tier by tier, as the billing engine rates it. */
function PricePreviewBox(props: { price: Price }) {
  const [quantity, setQuantity] = useState("");
  const preview = useMutation({
    mutationFn: () => api.post<PricePreview>(`/v1/prices/${props.price.id}/preview`, { quantity: quantity.trim() }),
  });
  const result = preview.data;
  return (
    <Paper withBorder p="sm" radius="sm" data-testid="price-preview">
      <form
        onSubmit={(event) => {
          event.preventDefault();
          preview.mutate();
        }}
        noValidate
      >
        <Group align="flex-end" gap="sm">
          <TextInput
            label={props.price.charge_model.kind === "percentage" ? "Transaction amount" : "Quantity"}
            inputMode="decimal"
            w={160}
            value={quantity}
            onChange={(event) => setQuantity(event.currentTarget.value)}
            error={fieldError(preview.error, "quantity")}
          />
          <Button type="submit" variant="light" loading={preview.isPending}>
            Preview
          </Button>
          {result === undefined ? null : (
            <Text size="sm">
              = <Amount value={result.amount} currency={result.currency} strong />
            </Text>
          )}
        </Group>
      </form>
      {preview.error !== null && fieldError(preview.error, "quantity") === undefined ? (
        <ErrorAlert error={preview.error} title="No preview" />
      ) : null}
      {result === undefined ? null : (
        <Stack gap={4} mt="sm">
          {result.tiers.length === 0 ? null : (
            <Table withTableBorder>
              <Table.Thead className="table-head">
                <Table.Tr>
                  <Table.Th>Tier</Table.Th>
                  <Table.Th ta="right">Units</Table.Th>
                  <Table.Th ta="right">Unit</Table.Th>
                  <Table.Th ta="right">Flat</Table.Th>
                  <Table.Th ta="right">Amount</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {result.tiers.map((tier) => (
                  <Table.Tr key={tier.tier_index}>
                    <Table.Td className="mono">
                      {tier.from} – {tier.to ?? "∞"}
                    </Table.Td>
                    <Table.Td ta="right" className="mono">
                      {tier.quantity}
                    </Table.Td>
                    <Table.Td ta="right">
                      <Amount value={tier.unit_amount} currency={result.currency} dimZero />
                    </Table.Td>
                    <Table.Td ta="right">
                      <Amount value={tier.flat_amount} currency={result.currency} dimZero />
                    </Table.Td>
                    <Table.Td ta="right">
                      <Amount value={tier.amount} currency={result.currency} />
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
          {result.minimum_applied === null ? null : (
            <Text size="sm">
              The minimum charge lifted the line from{" "}
              <Amount value={result.minimum_applied.amount_before_minimum} currency={result.currency} />.
            </Text>
          )}
          <Code block style={{ whiteSpace: "pre-wrap" }}>
            {result.explanation}
          </Code>
        </Stack>
      )}
    </Paper>
  );
}
