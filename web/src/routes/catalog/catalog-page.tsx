import {
  Button,
  Group,
  Modal,
  NumberInput,
  Paper,
  SegmentedControl,
  Select,
  Stack,
  Table,
  Tabs,
  Text,
  Textarea,
  TextInput,
} from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { getRouteApi } from "@tanstack/react-router";
import { type FormEvent, useState } from "react";
import { api, type List } from "../../api.js";
import { describeInterval, type IntervalUnit, type Plan, type Product } from "../../catalog.js";
import { ErrorAlert, fieldError, Id, MessageRow, PageHeader, StatusBadge } from "../../components/ui.js";
import { formatInstant, humanize } from "../../format.js";
import { PricesPanel } from "./prices-panel.js";

const route = getRouteApi("/signed-in/catalog");

/** Products (what is sold), plans (how often and when it bills), prices (what it costs). */
export function CatalogPage() {
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const tab = search.tab ?? "products";
  return (
    <>
      <PageHeader
        title="Catalog"
        description="Products are what you sell, plans set the billing interval and timing, prices say what a quantity costs. Changing a price's amounts adds a version; running subscriptions keep theirs."
      />
      <Tabs
        value={tab}
        onChange={(next) => void navigate({ search: next === null || next === "products" ? {} : { tab: next } })}
      >
        <Tabs.List mb="md">
          <Tabs.Tab value="products">Products</Tabs.Tab>
          <Tabs.Tab value="plans">Plans</Tabs.Tab>
          <Tabs.Tab value="prices">Prices</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="products">
          <ProductsPanel />
        </Tabs.Panel>
        <Tabs.Panel value="plans">
          <PlansPanel />
        </Tabs.Panel>
        <Tabs.Panel value="prices">
          <PricesPanel />
        </Tabs.Panel>
      </Tabs>
    </>
  );
}

function StatusFilter(props: { value: string | undefined; onChange: (status: string | undefined) => void }) {
  return (
    <SegmentedControl
      size="xs"
      data={[
        { value: "active", label: "Active" },
        { value: "archived", label: "Archived" },
        { value: "all", label: "All" },
      ]}
      value={props.value ?? "active"}
      onChange={(value) => props.onChange(value === "active" ? undefined : value)}
    />
  );
}

function statusQuery(status: string | undefined): string | undefined {
  if (status === "all") return undefined;
  return status ?? "active";
}

function ProductsPanel() {
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState<Product | "new" | null>(null);
  const products = useQuery({
    queryKey: ["products", search.status],
    queryFn: () => api.get<List<Product>>("/v1/products", { status: statusQuery(search.status), limit: 100 }),
  });
  const archive = useMutation({
    mutationFn: (product: Product) => api.post<Product>(`/v1/products/${product.id}/archive`),
    onSuccess: (product) => {
      void queryClient.invalidateQueries({ queryKey: ["products"] });
      notifications.show({ color: "teal", message: `${product.name} archived: it takes no new prices.` });
    },
    onError: (error) => notifications.show({ color: "red", title: "Not archived", message: error.message }),
  });
  const rows = products.data?.data ?? [];
  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <StatusFilter value={search.status} onChange={(status) => void navigate({ search: { status } })} />
        <Button onClick={() => setEditing("new")}>New product</Button>
      </Group>
      <ErrorAlert error={products.error} title="The products could not be loaded" />
      <Paper withBorder radius="sm">
        <Table striped highlightOnHover>
          <Table.Thead className="table-head">
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Unit</Table.Th>
              <Table.Th>Tax code</Table.Th>
              <Table.Th>Id</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {products.isPending ? <MessageRow columns={6}>Loading…</MessageRow> : null}
            {products.data !== undefined && rows.length === 0 ? (
              <MessageRow columns={6}>No products.</MessageRow>
            ) : null}
            {rows.map((product) => (
              <Table.Tr key={product.id}>
                <Table.Td>
                  <Text size="sm" fw={500}>
                    {product.name}
                  </Text>
                  {product.description === null ? null : (
                    <Text size="xs" c="dimmed">
                      {product.description}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{product.unit_label ?? "—"}</Text>
                </Table.Td>
                <Table.Td className="mono">{product.tax_code ?? "—"}</Table.Td>
                <Table.Td>
                  <Id value={product.id} />
                </Table.Td>
                <Table.Td>
                  <StatusBadge status={product.status} />
                </Table.Td>
                <Table.Td ta="right">
                  <Group gap={4} justify="flex-end" wrap="nowrap">
                    <Button
                      size="compact-xs"
                      variant="subtle"
                      onClick={() => void navigate({ search: { tab: "prices", product: product.id } })}
                    >
                      Prices
                    </Button>
                    <Button size="compact-xs" variant="subtle" onClick={() => setEditing(product)}>
                      Edit
                    </Button>
                    {product.status === "active" ? (
                      <Button size="compact-xs" variant="subtle" color="red" onClick={() => archive.mutate(product)}>
                        Archive
                      </Button>
                    ) : null}
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Paper>
      {editing === null ? null : (
        <ProductModal product={editing === "new" ? null : editing} onClose={() => setEditing(null)} />
      )}
    </Stack>
  );
}

function ProductModal(props: { product: Product | null; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState({
    name: props.product?.name ?? "",
    description: props.product?.description ?? "",
    unit_label: props.product?.unit_label ?? "",
    tax_code: props.product?.tax_code ?? "",
  });
  const save = useMutation({
    mutationFn: () => {
      const orNull = (value: string) => (value.trim() === "" ? null : value.trim());
      const body = {
        name: draft.name.trim(),
        description: orNull(draft.description),
        unit_label: orNull(draft.unit_label),
        tax_code: orNull(draft.tax_code),
      };
      return props.product === null
        ? api.post<Product>("/v1/products", body)
        : api.post<Product>(`/v1/products/${props.product.id}`, body);
    },
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ["products"] });
      props.onClose();
    },
  });
  const set = (key: keyof typeof draft) => (event: { currentTarget: { value: string } }) =>
    setDraft({ ...draft, [key]: event.currentTarget.value });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  return (
    <Modal opened onClose={props.onClose} title={props.product === null ? "New product" : `Edit ${props.product.name}`}>
      <form onSubmit={submit} noValidate>
        <Stack gap="sm">
          <ErrorAlert error={save.error} title="The product was not saved" />
          <TextInput
            label="Name"
            value={draft.name}
            onChange={set("name")}
            error={fieldError(save.error, "name")}
            data-autofocus
          />
          <Textarea
            label="Description"
            autosize
            value={draft.description}
            onChange={set("description")}
            error={fieldError(save.error, "description")}
          />
          <TextInput
            label="Unit label"
            description='What a quantity counts, e.g. "seat" or "GB"'
            value={draft.unit_label}
            onChange={set("unit_label")}
            error={fieldError(save.error, "unit_label")}
          />
          <TextInput
            label="Tax code"
            description="The tax category the tax table knows the product by"
            value={draft.tax_code}
            onChange={set("tax_code")}
            error={fieldError(save.error, "tax_code")}
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={props.onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={save.isPending}>
              {props.product === null ? "Create product" : "Save"}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function PlansPanel() {
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const queryClient = useQueryClient();
  const [creating, setCreating] = useState(false);
  const plans = useQuery({
    queryKey: ["plans", { status: search.status }],
    queryFn: () => api.get<List<Plan>>("/v1/plans", { status: statusQuery(search.status), limit: 100 }),
  });
  const archive = useMutation({
    mutationFn: (plan: Plan) => api.post<Plan>(`/v1/plans/${plan.id}/archive`),
    onSuccess: (plan) => {
      void queryClient.invalidateQueries({ queryKey: ["plans"] });
      notifications.show({ color: "teal", message: `${plan.name} archived: running subscriptions keep it.` });
    },
    onError: (error) => notifications.show({ color: "red", title: "Not archived", message: error.message }),
  });
  const rows = plans.data?.data ?? [];
  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <StatusFilter
          value={search.status}
          onChange={(status) => void navigate({ search: { tab: "plans", status } })}
        />
        <Button onClick={() => setCreating(true)}>New plan</Button>
      </Group>
      <ErrorAlert error={plans.error} title="The plans could not be loaded" />
      <Paper withBorder radius="sm">
        <Table striped highlightOnHover>
          <Table.Thead className="table-head">
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Interval</Table.Th>
              <Table.Th>Currency</Table.Th>
              <Table.Th>Timing</Table.Th>
              <Table.Th>Trial</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th>Created</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {plans.isPending ? <MessageRow columns={8}>Loading…</MessageRow> : null}
            {plans.data !== undefined && rows.length === 0 ? <MessageRow columns={8}>No plans.</MessageRow> : null}
            {rows.map((plan) => (
              <Table.Tr key={plan.id}>
                <Table.Td>
                  <Text size="sm" fw={500}>
                    {plan.name}
                  </Text>
                  <Id value={plan.id} />
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{describeInterval(plan.interval)}</Text>
                </Table.Td>
                <Table.Td className="mono">{plan.currency}</Table.Td>
                <Table.Td>
                  <Text size="sm">{humanize(plan.billing_timing)}</Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{plan.trial_days === 0 ? "—" : `${plan.trial_days} days`}</Text>
                </Table.Td>
                <Table.Td>
                  <StatusBadge status={plan.status} />
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{formatInstant(plan.created_at)}</Text>
                </Table.Td>
                <Table.Td ta="right">
                  <Group gap={4} justify="flex-end" wrap="nowrap">
                    <Button
                      size="compact-xs"
                      variant="subtle"
                      onClick={() => void navigate({ search: { tab: "prices", plan: plan.id } })}
                    >
                      Prices
                    </Button>
                    {plan.status === "active" ? (
                      <Button size="compact-xs" variant="subtle" color="red" onClick={() => archive.mutate(plan)}>
                        Archive
                      </Button>
                    ) : null}
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Paper>
      <PlanModal opened={creating} onClose={() => setCreating(false)} />
    </Stack>
  );
}

const EMPTY_PLAN = {
  name: "",
  description: "",
  count: 1,
  unit: "month" as IntervalUnit,
  currency: "USD",
  timing: "in_advance" as Plan["billing_timing"],
  trial: 0,
};

function PlanModal(props: { opened: boolean; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState(EMPTY_PLAN);
  const create = useMutation({
    mutationFn: () =>
      api.post<Plan>("/v1/plans", {
        name: draft.name.trim(),
        ...(draft.description.trim() === "" ? {} : { description: draft.description.trim() }),
        interval: { unit: draft.unit, count: draft.count },
        currency: draft.currency.trim().toUpperCase(),
        billing_timing: draft.timing,
        trial_days: draft.trial,
      }),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ["plans"] });
      close();
    },
  });
  const close = () => {
    create.reset();
    setDraft(EMPTY_PLAN);
    props.onClose();
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  const error = create.error;
  return (
    <Modal opened={props.opened} onClose={close} title="New plan" size="lg">
      <form onSubmit={submit} noValidate>
        <Stack gap="sm">
          <ErrorAlert error={error} title="The plan was not created" />
          <TextInput
            label="Name"
            value={draft.name}
            onChange={(event) => setDraft({ ...draft, name: event.currentTarget.value })}
            error={fieldError(error, "name")}
            data-autofocus
          />
          <Textarea
            label="Description"
            autosize
            value={draft.description}
            onChange={(event) => setDraft({ ...draft, description: event.currentTarget.value })}
            error={fieldError(error, "description")}
          />
          <Group grow align="flex-start">
            <NumberInput
              label="Every"
              min={1}
              max={1095}
              value={draft.count}
              onChange={(count) => setDraft({ ...draft, count: Number(count) || 1 })}
              error={fieldError(error, "interval.count")}
            />
            <Select
              label="Interval"
              data={["day", "week", "month", "year"].map((unit) => ({ value: unit, label: `${unit}(s)` }))}
              value={draft.unit}
              allowDeselect={false}
              onChange={(unit) => unit !== null && setDraft({ ...draft, unit: unit as IntervalUnit })}
              error={fieldError(error, "interval.unit") ?? fieldError(error, "interval")}
            />
            <TextInput
              label="Currency"
              maxLength={3}
              value={draft.currency}
              onChange={(event) => setDraft({ ...draft, currency: event.currentTarget.value })}
              error={fieldError(error, "currency")}
            />
          </Group>
          <Group grow align="flex-start">
            <Select
              label="Billing timing"
              data={[
                { value: "in_advance", label: "In advance (bill at the period's start)" },
                { value: "in_arrears", label: "In arrears (bill at the period's end)" },
              ]}
              value={draft.timing}
              allowDeselect={false}
              onChange={(timing) => timing !== null && setDraft({ ...draft, timing: timing as Plan["billing_timing"] })}
              error={fieldError(error, "billing_timing")}
            />
            <NumberInput
              label="Trial days"
              min={0}
              max={730}
              value={draft.trial}
              onChange={(trial) => setDraft({ ...draft, trial: Number(trial) || 0 })}
              error={fieldError(error, "trial_days")}
            />
          </Group>
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending}>
              Create plan
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
