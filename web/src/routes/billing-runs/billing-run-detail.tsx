import { Paper, SegmentedControl, SimpleGrid, Text } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { getRouteApi } from "@tanstack/react-router";
import { type ReactNode, useState } from "react";
import { api } from "../../api.js";
import { type BillingRun, formatUtc } from "../../billing.js";
import { BillingStatusBadge, CustomerLink } from "../../components/billing-ui.js";
import { ErrorAlert, PageHeader } from "../../components/ui.js";
import { formatDuration, OUTCOME_LABELS, RunItemsTable, RunTotals } from "./billing-run-parts.js";

const route = getRouteApi("/signed-in/billing-runs/$id");

function Stat(props: { label: string; children: ReactNode }) {
  return (
    <Paper withBorder radius="sm" p="sm">
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {props.label}
      </Text>
      <Text size="lg" fw={600} component="div">
        {props.children}
      </Text>
    </Paper>
  );
}

export function BillingRunDetailPage() {
  const { id } = route.useParams();
  const [outcome, setOutcome] = useState("all");
  const run = useQuery({
    queryKey: ["billing_run", id],
    queryFn: () => api.get<BillingRun>(`/v1/billing_runs/${encodeURIComponent(id)}`),
  });
  const data = run.data;
  if (data === undefined)
    return (
      <>
        <PageHeader title="Billing run" />
        <ErrorAlert error={run.error} title="The billing run could not be loaded" />
      </>
    );
  const items = (data.items ?? []).filter((item) => outcome === "all" || item.outcome === outcome);
  return (
    <>
      <PageHeader
        title={`Billing run as of ${formatUtc(data.as_of)}`}
        description={
          <>
            <BillingStatusBadge status={data.status} />{" "}
            <Text span size="sm" c="dimmed" className="mono">
              {id}
            </Text>
          </>
        }
      />
      <SimpleGrid cols={{ base: 2, md: 4, lg: 8 }} mb="md">
        <Stat label="Started">
          <Text size="sm">{formatUtc(data.started_at)}</Text>
        </Stat>
        <Stat label="Duration">{formatDuration(data.duration_ms)}</Stat>
        <Stat label="Considered">{data.subscriptions_considered}</Stat>
        <Stat label="Invoiced">{data.invoices_created}</Stat>
        <Stat label="Finalized by the run">{data.invoices_finalized}</Stat>
        <Stat label="Held">{data.skipped_held}</Stat>
        <Stat label="Failed">
          <Text span c={data.failed > 0 ? "red.8" : undefined} inherit>
            {data.failed}
          </Text>
        </Stat>
        <Stat label="Invoiced totals">
          <RunTotals totals={data.totals} />
        </Stat>
      </SimpleGrid>
      {data.customer === null ? null : (
        <Text size="sm" mb="sm">
          Only customer <CustomerLink id={data.customer} />
        </Text>
      )}
      <SegmentedControl
        mb="sm"
        size="sm"
        value={outcome}
        onChange={setOutcome}
        data={["all", "invoiced", "skipped_held", "skipped_already_billed", "failed"].map((value) => ({
          value,
          label: OUTCOME_LABELS[value] ?? "All",
        }))}
      />
      <RunItemsTable items={items} retryAsOf={data.as_of} />
    </>
  );
}
