import { Alert, Badge, Group, Paper, Table, Tabs, Text } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { getRouteApi } from "@tanstack/react-router";
import { api } from "../../api.js";
import { AppLink, CustomerLink, isNotFound } from "../../components/billing-ui.js";
import { ErrorAlert, Id, MessageRow, PageHeader } from "../../components/ui.js";
import { formatInstant } from "../../format.js";
import { type Rate, type RateCard, type ResolvedRates, rateCardPath } from "../../usage.js";
import { DraftEditor } from "./rate-card-draft.js";
import { DiffPanel, HistoryPanel } from "./rate-card-history.js";
import { RateValue } from "./rate-card-parts.js";

/** One rate card: the rates in force, the draft being prepared, every version, and the diff between any two. */

const route = getRouteApi("/signed-in/rate-cards/$id");

export function useRateCard(id: string) {
  return useQuery({ queryKey: ["rate_card", id], queryFn: () => api.get<RateCard>(rateCardPath(id)) });
}

export function RateCardPage() {
  const { id } = route.useParams();
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const card = useRateCard(id);
  const tab = search.tab ?? "rates";
  if (card.data === undefined)
    return card.error === null ? (
      <Text c="dimmed">Loading…</Text>
    ) : (
      <ErrorAlert error={card.error} title="The rate card could not be loaded" />
    );
  const current = card.data;
  const open = current.open_version;
  return (
    <>
      <PageHeader
        title={current.name}
        description={
          <Group gap="xs" component="span">
            <Id value={current.id} />
            <span>· {current.kind === "default" ? "default card" : "customer card"}</span>
            <span>· {current.currency}</span>
            {current.customer === null ? null : (
              <span>
                · for <CustomerLink id={current.customer} />
              </span>
            )}
          </Group>
        }
      />
      {open?.status === "pending_approval" ? (
        <Alert color="yellow" variant="light" mb="md" data-testid="pending-approval">
          <Text size="sm">
            Version {open.number} waits for approval by someone who did not edit it.{" "}
            <AppLink to="/approvals">Open approvals</AppLink>
          </Text>
        </Alert>
      ) : null}
      <Tabs
        value={tab}
        onChange={(next) => void navigate({ search: next === null || next === "rates" ? {} : { tab: next } })}
        keepMounted={false}
      >
        <Tabs.List mb="md">
          <Tabs.Tab value="rates">Rates in force</Tabs.Tab>
          <Tabs.Tab
            value="draft"
            rightSection={
              open === null ? null : (
                <Badge size="xs" variant="light" color={open.status === "draft" ? "gray" : "yellow"}>
                  v{open.number}
                </Badge>
              )
            }
          >
            Draft
          </Tabs.Tab>
          <Tabs.Tab value="history">History</Tabs.Tab>
          <Tabs.Tab value="diff">Compare versions</Tabs.Tab>
        </Tabs.List>
        <Paper withBorder radius="sm" p="md">
          <Tabs.Panel value="rates">
            {current.kind === "customer" ? <ResolvedRatesTable card={current} /> : <DefaultRatesTable card={current} />}
          </Tabs.Panel>
          <Tabs.Panel value="draft">
            <DraftEditor card={current} />
          </Tabs.Panel>
          <Tabs.Panel value="history">
            <HistoryPanel card={current} />
          </Tabs.Panel>
          <Tabs.Panel value="diff">
            <DiffPanel card={current} from={search.from} to={search.to} />
          </Tabs.Panel>
        </Paper>
      </Tabs>
    </>
  );
}

interface RateRow {
  code: string;
  rate: Rate;
  source?: "default" | "customer";
}

function RatesTable(props: { rows: RateRow[]; withSource: boolean; empty: string }) {
  const columns = props.withSource ? 4 : 3;
  return (
    <Table striped data-testid="rates-in-force">
      <Table.Thead className="table-head">
        <Table.Tr>
          <Table.Th>Code</Table.Th>
          <Table.Th>Rate</Table.Th>
          <Table.Th>Description</Table.Th>
          {props.withSource ? <Table.Th>Source</Table.Th> : null}
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {props.rows.length === 0 ? <MessageRow columns={columns}>{props.empty}</MessageRow> : null}
        {props.rows.map((row) => (
          <Table.Tr key={row.code} data-code={row.code}>
            <Table.Td className="mono">{row.code}</Table.Td>
            <Table.Td>
              <RateValue rate={row.rate} />
            </Table.Td>
            <Table.Td>
              <Text size="sm">{row.rate.description ?? ""}</Text>
            </Table.Td>
            {props.withSource ? (
              <Table.Td>
                {row.source === "customer" ? (
                  <Badge size="sm" color="grape" variant="light">
                    Overridden
                  </Badge>
                ) : (
                  <Badge size="sm" color="gray" variant="light">
                    Inherited from default
                  </Badge>
                )}
              </Table.Td>
            ) : null}
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

function DefaultRatesTable(props: { card: RateCard }) {
  const version = props.card.version_in_force;
  const rows = Object.entries(version?.rates ?? {})
    .map(([code, rate]) => ({ code, rate }))
    .sort((left, right) => left.code.localeCompare(right.code));
  return (
    <>
      <Text size="sm" c="dimmed" mb="sm">
        {version === null
          ? "No version is in force yet: approve the first version to put these rates into use."
          : `Version ${version.number}, in force since ${formatInstant(version.effective_from)}. Customers without their own rate for a code pay this.`}
      </Text>
      <RatesTable rows={rows} withSource={false} empty="No rates in force." />
    </>
  );
}

/** What the customer pays now: the default card overlaid with this card, code by code. */
function ResolvedRatesTable(props: { card: RateCard }) {
  const customer = props.card.customer ?? "";
  const resolved = useQuery({
    queryKey: ["resolved_rates", customer],
    queryFn: () => api.get<ResolvedRates>("/v1/rate_cards/resolved", { customer }),
    retry: false,
  });
  const rows = Object.entries(resolved.data?.details ?? {})
    .map(([code, rate]) => ({ code, rate, source: resolved.data?.source[code] ?? "default" }))
    .sort((left, right) => left.code.localeCompare(right.code));
  const own = props.card.version_in_force;
  return (
    <>
      <Text size="sm" c="dimmed" mb="sm">
        {own === null
          ? "This card has no version in force yet, so the customer pays the default card's rates."
          : `This card's version ${own.number} is in force since ${formatInstant(own.effective_from)}.`}{" "}
        What the customer pays now, code by code: overridden here, or inherited from the default card.
      </Text>
      {isNotFound(resolved.error) ? (
        <Text size="sm" c="dimmed">
          Neither this card nor the default {props.card.currency} card has a version in force.
        </Text>
      ) : (
        <ErrorAlert error={resolved.error} title="The rates could not be loaded" />
      )}
      <RatesTable rows={rows} withSource empty={resolved.isPending ? "Loading…" : "No rates in force."} />
    </>
  );
}
