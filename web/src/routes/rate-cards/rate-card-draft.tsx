import { ActionIcon, Button, Group, Stack, Table, Text, Textarea, TextInput } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { getRouteApi } from "@tanstack/react-router";
import { useState } from "react";
import { ApiError, api } from "../../api.js";
import { utcInstant, utcLocal } from "../../billing.js";
import { AppLink } from "../../components/billing-ui.js";
import { ErrorAlert, fieldError } from "../../components/ui.js";
import { formatInstant } from "../../format.js";
import { type RateCard, type RateCardVersion, rateCardPath } from "../../usage.js";
import { AffectedPeriodsAlert, RateValue, VersionBadge } from "./rate-card-parts.js";

/**
 * The draft version of a card: add, change and remove codes, pick when it
 * takes effect, then send it for approval. The whole set is saved at once
 * (`rates`), so what is on screen is exactly what the approver will see.
 */

const route = getRouteApi("/signed-in/rate-cards/$id");

interface RateDraft {
  /** Stable React key; codes change as people type. */
  key: number;
  code: string;
  value: string;
  unit: string;
  description: string;
}

interface VersionDraft {
  rates: RateDraft[];
  effective_from: string;
  note: string;
}

let nextKey = 0;

function draftOf(version: RateCardVersion): VersionDraft {
  return {
    rates: Object.entries(version.rates)
      .sort(([left], [right]) => left.localeCompare(right))
      .map(([code, rate]) => ({
        key: nextKey++,
        code,
        value: rate.value,
        unit: rate.unit ?? "",
        description: rate.description ?? "",
      })),
    effective_from: version.effective_from === null ? "" : utcLocal(version.effective_from),
    note: version.note ?? "",
  };
}

function bodyOf(draft: VersionDraft) {
  const rates: Record<string, { value: string; unit: string | null; description: string | null }> = {};
  for (const rate of draft.rates) {
    rates[rate.code.trim()] = {
      value: rate.value.trim(),
      unit: rate.unit.trim() === "" ? null : rate.unit.trim(),
      description: rate.description.trim() === "" ? null : rate.description.trim(),
    };
  }
  const typed = draft.effective_from.trim();
  return {
    rates,
    // A date typed but not understood is sent as typed, so the API names the field.
    effective_from: typed === "" ? null : (utcInstant(typed) ?? typed),
    note: draft.note.trim() === "" ? null : draft.note.trim(),
  };
}

/** An error about a code itself (not its value) names exactly `rates.<code>`. */
function codeError(error: unknown, code: string): string | undefined {
  return error instanceof ApiError && error.param === `rates.${code}` ? error.message : undefined;
}

export function DraftEditor(props: { card: RateCard }) {
  const open = props.card.open_version;
  if (open === null) return <StartVersion card={props.card} />;
  if (open.status === "pending_approval") return <PendingVersion version={open} />;
  return <EditDraft key={`${open.id}:${open.updated_at}`} card={props.card} version={open} />;
}

function useRefreshCard(card: string) {
  const queryClient = useQueryClient();
  return async () => {
    await queryClient.invalidateQueries({ queryKey: ["rate_card", card] });
    await queryClient.invalidateQueries({ queryKey: ["rate_card_versions", card] });
    await queryClient.invalidateQueries({ queryKey: ["rate_card_diff", card] });
    await queryClient.invalidateQueries({ queryKey: ["rate_cards"] });
  };
}

function StartVersion(props: { card: RateCard }) {
  const refresh = useRefreshCard(props.card.id);
  const start = useMutation({
    mutationFn: () => api.post<RateCardVersion>(`${rateCardPath(props.card.id)}/versions`, {}),
    onSuccess: refresh,
  });
  const base = props.card.version_in_force;
  return (
    <Stack gap="sm" align="flex-start">
      <Text size="sm">
        No version is being prepared. A new version starts as a copy of the latest approved one
        {base === null ? "" : ` (version ${base.number} is in force)`}; change it, then send it for approval.
      </Text>
      <ErrorAlert error={start.error} title="No version started" />
      <Button loading={start.isPending} onClick={() => start.mutate()}>
        Start a new version
      </Button>
    </Stack>
  );
}

function PendingVersion(props: { version: RateCardVersion }) {
  const version = props.version;
  return (
    <Stack gap="sm">
      <Group gap="sm">
        <Text fw={600}>Version {version.number}</Text>
        <VersionBadge status={version.status} />
      </Group>
      <Text size="sm">
        Frozen while it waits for a decision; in force{" "}
        {version.effective_from === null ? "when approved" : `from ${formatInstant(version.effective_from)}`}. A person
        who did not edit it approves or rejects it in <AppLink to="/approvals">Approvals</AppLink>.
      </Text>
      <AffectedPeriodsAlert affected={version.affected_periods} approved={false} />
      <Table striped>
        <Table.Tbody>
          {Object.entries(version.rates).map(([code, rate]) => (
            <Table.Tr key={code}>
              <Table.Td className="mono">{code}</Table.Td>
              <Table.Td>
                <RateValue rate={rate} />
              </Table.Td>
              <Table.Td>
                <Text size="sm">{rate.description ?? ""}</Text>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}

function EditDraft(props: { card: RateCard; version: RateCardVersion }) {
  const navigate = route.useNavigate();
  const refresh = useRefreshCard(props.card.id);
  const [draft, setDraft] = useState<VersionDraft>(() => draftOf(props.version));
  const [dirty, setDirty] = useState(false);
  const versionPath = `${rateCardPath(props.card.id)}/versions/${props.version.number}`;
  const save = useMutation({
    mutationFn: () => api.post<RateCardVersion>(versionPath, bodyOf(draft)),
    onSuccess: async () => {
      setDirty(false);
      notifications.show({ color: "teal", title: "Draft saved", message: `Version ${props.version.number}` });
      await refresh();
    },
  });
  const submit = useMutation({
    mutationFn: () => api.post<{ approval: { id: string } }>(`${versionPath}/request_approval`),
    onSuccess: async () => {
      notifications.show({
        color: "teal",
        title: "Sent for approval",
        message: "A second person approves it in Approvals.",
      });
      await refresh();
    },
  });
  const change = (next: VersionDraft) => {
    setDraft(next);
    setDirty(true);
  };
  const setRate = (key: number, field: keyof Omit<RateDraft, "key">, value: string) =>
    change({ ...draft, rates: draft.rates.map((rate) => (rate.key === key ? { ...rate, [field]: value } : rate)) });
  const error = save.error;
  return (
    <Stack gap="sm" data-testid="draft-editor">
      <Group justify="space-between">
        <Group gap="sm">
          <Text fw={600}>Version {props.version.number}</Text>
          <VersionBadge status="draft" />
        </Group>
        <AppLink to={`/rate-cards/${props.card.id}?tab=diff&to=${props.version.number}`}>See the changes</AppLink>
      </Group>
      <Text size="sm" c="dimmed">
        {props.card.kind === "customer"
          ? "Only the codes this customer negotiated; a code removed here goes back to the default card's rate."
          : "The rates every customer pays unless their own card overrides a code."}
      </Text>
      <ErrorAlert error={save.error ?? submit.error} title={submit.error === null ? "Not saved" : "Not sent"} />
      {dirty ? null : <AffectedPeriodsAlert affected={props.version.affected_periods} approved={false} />}
      <Table data-testid="draft-rates">
        <Table.Thead className="table-head">
          <Table.Tr>
            <Table.Th>Code</Table.Th>
            <Table.Th>Value</Table.Th>
            <Table.Th>Unit</Table.Th>
            <Table.Th>Description</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {draft.rates.map((rate) => (
            <Table.Tr key={rate.key} data-code={rate.code}>
              <Table.Td>
                <TextInput
                  aria-label="Code"
                  size="xs"
                  className="mono"
                  placeholder="pick_first_unit"
                  value={rate.code}
                  onChange={(event) => setRate(rate.key, "code", event.currentTarget.value)}
                  error={codeError(error, rate.code.trim())}
                />
              </Table.Td>
              <Table.Td w={150}>
                <TextInput
                  aria-label={`Value of ${rate.code}`}
                  size="xs"
                  placeholder="2.75"
                  value={rate.value}
                  onChange={(event) => setRate(rate.key, "value", event.currentTarget.value)}
                  error={fieldError(error, `rates.${rate.code.trim()}.value`)}
                />
              </Table.Td>
              <Table.Td w={140}>
                <TextInput
                  aria-label={`Unit of ${rate.code}`}
                  size="xs"
                  placeholder="carton"
                  value={rate.unit}
                  onChange={(event) => setRate(rate.key, "unit", event.currentTarget.value)}
                  error={fieldError(error, `rates.${rate.code.trim()}.unit`)}
                />
              </Table.Td>
              <Table.Td>
                <TextInput
                  aria-label={`Description of ${rate.code}`}
                  size="xs"
                  value={rate.description}
                  onChange={(event) => setRate(rate.key, "description", event.currentTarget.value)}
                  error={fieldError(error, `rates.${rate.code.trim()}.description`)}
                />
              </Table.Td>
              <Table.Td w={40}>
                <ActionIcon
                  variant="subtle"
                  color="red"
                  aria-label={`Remove ${rate.code}`}
                  onClick={() => change({ ...draft, rates: draft.rates.filter((other) => other.key !== rate.key) })}
                >
                  ×
                </ActionIcon>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Group>
        <Button
          size="xs"
          variant="light"
          onClick={() =>
            change({
              ...draft,
              rates: [...draft.rates, { key: nextKey++, code: "", value: "", unit: "", description: "" }],
            })
          }
        >
          Add a rate
        </Button>
      </Group>
      <Group align="flex-start" grow>
        <TextInput
          type="datetime-local"
          label="In force from (UTC)"
          description="Empty: the moment it is approved. A past date backdates it: saved, it lists the periods it covers."
          value={draft.effective_from}
          onChange={(event) => change({ ...draft, effective_from: event.currentTarget.value })}
          error={fieldError(error, "effective_from")}
        />
        <Textarea
          label="Note for the approver"
          placeholder="Contract 2026-114, signed 28 May"
          autosize
          minRows={1}
          value={draft.note}
          onChange={(event) => change({ ...draft, note: event.currentTarget.value })}
          error={fieldError(error, "note")}
        />
      </Group>
      <Group justify="flex-end">
        {dirty ? (
          <Text size="xs" c="dimmed">
            Unsaved changes
          </Text>
        ) : null}
        <Button variant="default" loading={save.isPending} disabled={!dirty} onClick={() => save.mutate()}>
          Save draft
        </Button>
        <Button
          loading={submit.isPending}
          disabled={dirty}
          title={dirty ? "Save the draft first" : undefined}
          onClick={() => submit.mutate(undefined, { onSuccess: () => void navigate({ search: { tab: "history" } }) })}
        >
          Send for approval
        </Button>
      </Group>
    </Stack>
  );
}
