import {
  Badge,
  Button,
  Checkbox,
  Divider,
  Group,
  Modal,
  Paper,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
} from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { getRouteApi } from "@tanstack/react-router";
import { type FormEvent, useState } from "react";
import { api, type List } from "../../api.js";
import { Pager } from "../../components/pager.js";
import { ErrorAlert, fieldError, MessageRow, PageHeader } from "../../components/ui.js";
import { type Customer, describeTerms, displayName, type TaxId } from "../../customers.js";
import { formatInstant } from "../../format.js";
import {
  type AddressDraft,
  AddressFields,
  addressBody,
  EMPTY_ADDRESS,
  PaymentTermsFields,
  TaxIdFields,
  type TermsDraft,
  termsBody,
} from "./customer-form.js";

const route = getRouteApi("/signed-in/customers");
const PAGE_SIZE = 25;

export function CustomersPage() {
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const [creating, setCreating] = useState(false);
  const customers = useQuery({
    queryKey: ["customers", search],
    queryFn: () => api.get<List<Customer>>("/v1/customers", { ...search, limit: PAGE_SIZE }),
  });
  const rows = customers.data?.data ?? [];

  return (
    <>
      <PageHeader
        title="Customers"
        description="Everyone Accrue bills. Search by name, email, external id or tax id; open a customer for their subscriptions, invoices and history."
        actions={<Button onClick={() => setCreating(true)}>New customer</Button>}
      />
      <CustomerFilters />
      <ErrorAlert error={customers.error} title="The customers could not be loaded" />
      <Paper withBorder radius="sm">
        <Table striped highlightOnHover>
          <Table.Thead className="table-head">
            <Table.Tr>
              <Table.Th>Customer</Table.Th>
              <Table.Th>Email</Table.Th>
              <Table.Th>External id</Table.Th>
              <Table.Th>Currency</Table.Th>
              <Table.Th>Terms</Table.Th>
              <Table.Th>Tags</Table.Th>
              <Table.Th>Created</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {customers.isPending ? <MessageRow columns={7}>Loading…</MessageRow> : null}
            {customers.data !== undefined && rows.length === 0 ? (
              <MessageRow columns={7}>No customers match these filters.</MessageRow>
            ) : null}
            {rows.map((customer) => (
              <Table.Tr
                key={customer.id}
                className="clickable-row"
                onClick={() => void navigate({ to: "/customers/$id", params: { id: customer.id }, search: {} })}
              >
                <Table.Td>
                  <Group gap={6} wrap="nowrap">
                    <Text size="sm" fw={500}>
                      {displayName(customer)}
                    </Text>
                    {customer.billing_hold === null ? null : (
                      <Badge size="xs" color="orange" variant="light">
                        Billing hold
                      </Badge>
                    )}
                    {customer.archived ? (
                      <Badge size="xs" color="gray" variant="light">
                        Archived
                      </Badge>
                    ) : null}
                  </Group>
                  {customer.display_name !== null && customer.display_name !== customer.legal_name ? (
                    <Text size="xs" c="dimmed">
                      {customer.legal_name}
                    </Text>
                  ) : null}
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{customer.emails[0] ?? "—"}</Text>
                </Table.Td>
                <Table.Td className="mono">{customer.external_id ?? "—"}</Table.Td>
                <Table.Td className="mono">{customer.currency}</Table.Td>
                <Table.Td>
                  <Text size="sm">{describeTerms(customer.payment_terms)}</Text>
                </Table.Td>
                <Table.Td>
                  <Group gap={4}>
                    {customer.tags.map((tag) => (
                      <Badge key={tag} size="xs" variant="outline" color="gray" tt="none">
                        {tag}
                      </Badge>
                    ))}
                  </Group>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{formatInstant(customer.created_at)}</Text>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Paper>
      <Pager
        cursor={search}
        rows={rows}
        hasMore={customers.data?.has_more ?? false}
        noun={["customer", "customers"]}
        onPage={(cursor) =>
          void navigate({
            search: (prev) => ({ ...prev, starting_after: undefined, ending_before: undefined, ...cursor }),
          })
        }
      />
      <CreateCustomerModal opened={creating} onClose={() => setCreating(false)} />
    </>
  );
}

function CustomerFilters() {
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const [q, setQ] = useState(search.q ?? "");
  const [tag, setTag] = useState(search.tag ?? "");
  const [currency, setCurrency] = useState(search.currency ?? "");
  const apply = (event: FormEvent) => {
    event.preventDefault();
    void navigate({
      search: (prev) => ({
        archived: prev.archived,
        billing_hold: prev.billing_hold,
        q: q.trim() || undefined,
        tag: tag.trim() || undefined,
        currency: currency.trim().toUpperCase() || undefined,
      }),
    });
  };
  const clear = () => {
    setQ("");
    setTag("");
    setCurrency("");
    void navigate({ search: {} });
  };
  return (
    <form onSubmit={apply}>
      <Group gap="sm" mb="md" align="flex-end">
        <TextInput
          label="Search"
          placeholder="Name, email, external id or tax id"
          w={320}
          value={q}
          onChange={(event) => setQ(event.currentTarget.value)}
        />
        <TextInput label="Tag" w={140} value={tag} onChange={(event) => setTag(event.currentTarget.value)} />
        <TextInput
          label="Currency"
          placeholder="USD"
          w={100}
          maxLength={3}
          value={currency}
          onChange={(event) => setCurrency(event.currentTarget.value)}
        />
        <Checkbox
          label="Archived only"
          mb={8}
          checked={search.archived === "true"}
          onChange={(event) =>
            void navigate({
              search: (prev) => ({
                ...prev,
                starting_after: undefined,
                ending_before: undefined,
                archived: event.currentTarget.checked ? "true" : undefined,
              }),
            })
          }
        />
        <Checkbox
          label="On billing hold"
          mb={8}
          checked={search.billing_hold === "true"}
          onChange={(event) =>
            void navigate({
              search: (prev) => ({
                ...prev,
                starting_after: undefined,
                ending_before: undefined,
                billing_hold: event.currentTarget.checked ? "true" : undefined,
              }),
            })
          }
        />
        <Button type="submit">Search</Button>
        <Button variant="subtle" color="gray" onClick={clear}>
          Clear
        </Button>
      </Group>
    </form>
  );
}

interface CustomerDraft {
  legal_name: string;
  display_name: string;
  email: string;
  external_id: string;
  currency: string;
  time_zone: string;
  locale: string;
  address: AddressDraft;
  tax_id: { type: TaxId["type"]; value: string };
  terms: TermsDraft;
}

const EMPTY_CUSTOMER: CustomerDraft = {
  legal_name: "",
  display_name: "",
  email: "",
  external_id: "",
  currency: "USD",
  time_zone: "UTC",
  locale: "en",
  address: EMPTY_ADDRESS,
  tax_id: { type: "eu_vat", value: "" },
  terms: { type: "net", days: 30, day: 1 },
};

/** Only what was filled in is sent: the API refuses empty strings and applies its own defaults. */
function createBody(draft: CustomerDraft): Record<string, unknown> {
  const body: Record<string, unknown> = {
    legal_name: draft.legal_name.trim(),
    currency: draft.currency.trim().toUpperCase(),
    payment_terms: termsBody(draft.terms),
  };
  if (draft.display_name.trim() !== "") body.display_name = draft.display_name.trim();
  if (draft.email.trim() !== "") body.emails = [draft.email.trim()];
  if (draft.external_id.trim() !== "") body.external_id = draft.external_id.trim();
  if (draft.time_zone.trim() !== "") body.time_zone = draft.time_zone.trim();
  if (draft.locale.trim() !== "") body.locale = draft.locale.trim();
  const address = addressBody(draft.address);
  if (address !== null) body.billing_address = address;
  if (draft.tax_id.value.trim() !== "") body.tax_ids = [{ type: draft.tax_id.type, value: draft.tax_id.value.trim() }];
  return body;
}

function CreateCustomerModal(props: { opened: boolean; onClose: () => void }) {
  const queryClient = useQueryClient();
  const navigate = route.useNavigate();
  const [draft, setDraft] = useState<CustomerDraft>(EMPTY_CUSTOMER);
  const create = useMutation({
    mutationFn: () => api.post<Customer>("/v1/customers", createBody(draft)),
    onSuccess: async (customer) => {
      await queryClient.invalidateQueries({ queryKey: ["customers"] });
      queryClient.setQueryData(["customer", customer.id], customer);
      notifications.show({ color: "teal", message: `${displayName(customer)} was created.` });
      close();
      await navigate({ to: "/customers/$id", params: { id: customer.id }, search: {} });
    },
  });
  const close = () => {
    create.reset();
    setDraft(EMPTY_CUSTOMER);
    props.onClose();
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  const set =
    (key: "legal_name" | "display_name" | "email" | "external_id" | "currency" | "time_zone" | "locale") =>
    (event: { currentTarget: { value: string } }) =>
      setDraft({ ...draft, [key]: event.currentTarget.value });
  const error = create.error;
  return (
    <Modal opened={props.opened} onClose={close} title="New customer" size="xl">
      <form onSubmit={submit} noValidate>
        <Stack gap="sm">
          <ErrorAlert error={error} title="The customer was not created" />
          <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm" verticalSpacing="xs">
            <TextInput
              label="Legal name"
              required
              value={draft.legal_name}
              onChange={set("legal_name")}
              error={fieldError(error, "legal_name")}
              data-autofocus
            />
            <TextInput
              label="Display name"
              description="How the team refers to them; the legal name goes on invoices"
              value={draft.display_name}
              onChange={set("display_name")}
              error={fieldError(error, "display_name")}
            />
            <TextInput
              label="Billing email"
              type="email"
              value={draft.email}
              onChange={set("email")}
              error={fieldError(error, "emails")}
            />
            <TextInput
              label="External id"
              description="Your own id for them, e.g. from the CRM"
              value={draft.external_id}
              onChange={set("external_id")}
              error={fieldError(error, "external_id")}
            />
            <TextInput
              label="Currency"
              required
              maxLength={3}
              value={draft.currency}
              onChange={set("currency")}
              error={fieldError(error, "currency")}
            />
            <TextInput
              label="Time zone"
              description="IANA name, e.g. Europe/Berlin; periods start at midnight there"
              value={draft.time_zone}
              onChange={set("time_zone")}
              error={fieldError(error, "time_zone")}
            />
            <TextInput
              label="Locale"
              description="For invoice documents, e.g. de-DE"
              value={draft.locale}
              onChange={set("locale")}
              error={fieldError(error, "locale")}
            />
            <PaymentTermsFields value={draft.terms} onChange={(terms) => setDraft({ ...draft, terms })} error={error} />
          </SimpleGrid>
          <Divider label="Billing address" labelPosition="left" />
          <AddressFields
            value={draft.address}
            onChange={(address) => setDraft({ ...draft, address })}
            error={error}
            param="billing_address"
          />
          <Divider label="Tax id" labelPosition="left" />
          <TaxIdFields
            value={draft.tax_id}
            onChange={(tax_id) => setDraft({ ...draft, tax_id })}
            error={error}
            param="tax_ids.0"
          />
          {fieldError(error, "tax_ids") !== undefined && fieldError(error, "tax_ids.0") === undefined ? (
            <Text size="xs" c="red">
              {fieldError(error, "tax_ids")}
            </Text>
          ) : null}
          <Group justify="flex-end" mt="sm">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending}>
              Create customer
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
