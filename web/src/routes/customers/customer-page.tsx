import { Alert, Badge, Button, Group, Paper, Tabs, Text } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { getRouteApi } from "@tanstack/react-router";
import { api } from "../../api.js";
import { formatUtc, type TestClock } from "../../billing.js";
import { AppLink } from "../../components/billing-ui.js";
import { ErrorAlert, Id, PageHeader } from "../../components/ui.js";
import { type Customer, customerPath, describeTerms, displayName } from "../../customers.js";
import { CustomerUsageTab } from "../usage/customer-usage-tab.js";
import { CreditNotesTab, HistoryTab, InvoicesTab, SubscriptionsTab } from "./customer-activity.js";
import { AddressesTab, ContactsTab, ProfileTab, TaxIdsTab } from "./customer-profile.js";
import { HoldsTab, NotesTab, PurchaseOrdersTab } from "./customer-records.js";

const route = getRouteApi("/signed-in/customers/$id");

const TABS = [
  ["profile", "Profile"],
  ["contacts", "Billing contacts"],
  ["addresses", "Addresses"],
  ["tax_ids", "Tax ids"],
  ["purchase_orders", "Purchase orders"],
  ["holds", "Holds"],
  ["notes", "Notes"],
  ["subscriptions", "Subscriptions"],
  ["usage", "Usage"],
  ["invoices", "Invoices"],
  ["credit_notes", "Credit notes"],
  ["history", "History"],
] as const;

export function useCustomerQuery(id: string) {
  return useQuery({ queryKey: ["customer", id], queryFn: () => api.get<Customer>(customerPath(id)) });
}

export function CustomerPage() {
  const { id } = route.useParams();
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const customer = useCustomerQuery(id);
  const tab = search.tab ?? "profile";
  if (customer.data === undefined)
    return customer.error === null ? (
      <Text c="dimmed">Loading…</Text>
    ) : (
      <ErrorAlert error={customer.error} title="The customer could not be loaded" />
    );
  const current = customer.data;
  return (
    <>
      <PageHeader
        title={displayName(current)}
        description={
          <Group gap="xs" component="span">
            <Id value={current.id} />
            <span>· {current.currency}</span>
            <span>· {describeTerms(current.payment_terms)}</span>
            {current.external_id === null ? null : <span>· external id {current.external_id}</span>}
          </Group>
        }
        actions={<ArchiveButton customer={current} />}
      />
      <Group gap="xs" mb="sm">
        {current.archived ? <Badge color="gray">Archived</Badge> : null}
        {current.billing_hold === null ? null : (
          <Badge color="orange" data-testid="hold-badge">
            On billing hold
          </Badge>
        )}
        {current.credit_hold === null ? null : <Badge color="red">On credit hold</Badge>}
        {current.po_required ? <Badge variant="light">PO required</Badge> : null}
      </Group>
      <TestClockBanner clockId={current.test_clock ?? null} />
      {current.billing_hold === null ? null : (
        <Alert color="orange" variant="light" mb="md" title="Billing is on hold">
          <Text size="sm">
            {current.billing_hold.reason} — set by {current.billing_hold.set_by_name ?? current.billing_hold.set_by}.
            Billing runs skip this customer until the hold is released (Holds tab).
          </Text>
        </Alert>
      )}
      <Tabs
        value={tab}
        onChange={(next) => void navigate({ search: next === null || next === "profile" ? {} : { tab: next } })}
        keepMounted={false}
      >
        <Tabs.List mb="md">
          {TABS.map(([value, label]) => (
            <Tabs.Tab key={value} value={value}>
              {label}
            </Tabs.Tab>
          ))}
        </Tabs.List>
        <Paper withBorder radius="sm" p="md">
          <Tabs.Panel value="profile">
            <ProfileTab customer={current} />
          </Tabs.Panel>
          <Tabs.Panel value="contacts">
            <ContactsTab customer={current} />
          </Tabs.Panel>
          <Tabs.Panel value="addresses">
            <AddressesTab customer={current} />
          </Tabs.Panel>
          <Tabs.Panel value="tax_ids">
            <TaxIdsTab customer={current} />
          </Tabs.Panel>
          <Tabs.Panel value="purchase_orders">
            <PurchaseOrdersTab customer={current} />
          </Tabs.Panel>
          <Tabs.Panel value="holds">
            <HoldsTab customer={current} />
          </Tabs.Panel>
          <Tabs.Panel value="notes">
            <NotesTab customer={current} />
          </Tabs.Panel>
          <Tabs.Panel value="subscriptions">
            <SubscriptionsTab customer={current} />
          </Tabs.Panel>
          <Tabs.Panel value="usage">
            <CustomerUsageTab customer={current} />
          </Tabs.Panel>
          <Tabs.Panel value="invoices">
            <InvoicesTab customer={current} />
          </Tabs.Panel>
          <Tabs.Panel value="credit_notes">
            <CreditNotesTab customer={current} />
          </Tabs.Panel>
          <Tabs.Panel value="history">
            <HistoryTab customer={current} />
          </Tabs.Panel>
        </Paper>
      </Tabs>
    </>
  );
}

/** A customer on a test clock is billed on simulated time; say so on every tab. */
function TestClockBanner(props: { clockId: string | null }) {
  const clock = useQuery({
    queryKey: ["test_clock", props.clockId],
    queryFn: () => api.get<TestClock>(`/v1/test_clocks/${encodeURIComponent(props.clockId ?? "")}`),
    enabled: props.clockId !== null,
    retry: false,
  });
  if (props.clockId === null) return null;
  return (
    <Alert color="violet" variant="light" mb="md" data-testid="test-clock-banner">
      <Text size="sm">
        This customer lives on test clock{" "}
        <AppLink to={`/test-clocks/${encodeURIComponent(props.clockId)}`}>{clock.data?.name ?? props.clockId}</AppLink>
        {clock.data === undefined ? "" : ` at ${formatUtc(clock.data.frozen_time)}`}. Its billing follows the clock, not
        today's date.
      </Text>
    </Alert>
  );
}

function ArchiveButton(props: { customer: Customer }) {
  const queryClient = useQueryClient();
  const action = props.customer.archived ? "unarchive" : "archive";
  const mutation = useMutation({
    mutationFn: () => api.post<Customer>(`${customerPath(props.customer.id)}/${action}`),
    onSuccess: (customer) => {
      queryClient.setQueryData(["customer", customer.id], customer);
      void queryClient.invalidateQueries({ queryKey: ["customers"] });
      notifications.show({ color: "teal", message: customer.archived ? "Customer archived." : "Customer restored." });
    },
    onError: (error) => notifications.show({ color: "red", title: "Not changed", message: error.message }),
  });
  return (
    <Button variant="default" color="gray" loading={mutation.isPending} onClick={() => mutation.mutate()}>
      {props.customer.archived ? "Unarchive" : "Archive"}
    </Button>
  );
}
