import { AppShell, Badge, Box, Burger, Button, Group, NavLink, ScrollArea, Stack, Text } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { notifications } from "@mantine/notifications";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Link, Outlet, useNavigate, useRouterState } from "@tanstack/react-router";
import { api, setCsrfToken } from "../api.js";
import { humanize } from "../format.js";
import { useSession } from "../session.js";

/** The frame around every signed-in page: modules on the left, who is signed in on top. */

type Destination =
  | "/ledger/trial-balance"
  | "/ledger/entries"
  | "/audit-log"
  | "/developers/api-keys"
  | "/developers/webhooks"
  | "/approvals"
  | "/customers"
  | "/subscriptions"
  | "/catalog"
  | "/invoices"
  | "/review-queue"
  | "/credit-notes"
  | "/billing-runs"
  | "/legal-entities"
  | "/test-clocks"
  | "/usage/events"
  | "/usage/meters"
  | "/rate-cards"
  | "/scripts";

interface Section {
  label: string;
  items: ({ label: string; to: Destination } | { label: string; soon: true })[];
}

const SECTIONS: Section[] = [
  {
    label: "Operations",
    items: [
      { label: "Review queue", to: "/review-queue" },
      { label: "Customers", to: "/customers" },
      { label: "Subscriptions", to: "/subscriptions" },
      { label: "Catalog", to: "/catalog" },
      { label: "Charge scripts", to: "/scripts" },
      { label: "Invoices", to: "/invoices" },
      { label: "Credit notes", to: "/credit-notes" },
      { label: "Billing runs", to: "/billing-runs" },
      { label: "Legal entities", to: "/legal-entities" },
      { label: "Payments", soon: true },
      { label: "Collections", soon: true },
    ],
  },
  {
    label: "Usage",
    items: [
      { label: "Events", to: "/usage/events" },
      { label: "Meters", to: "/usage/meters" },
      { label: "Rate cards", to: "/rate-cards" },
    ],
  },
  {
    label: "Ledger",
    items: [
      { label: "Trial balance", to: "/ledger/trial-balance" },
      { label: "Journal entries", to: "/ledger/entries" },
    ],
  },
  {
    label: "Finance",
    items: [
      { label: "Close", soon: true },
      { label: "Spend", soon: true },
      { label: "Payouts", soon: true },
    ],
  },
  {
    label: "Controls",
    items: [
      { label: "Approvals", to: "/approvals" },
      { label: "Audit log", to: "/audit-log" },
    ],
  },
  {
    label: "Developers",
    items: [
      { label: "API keys", to: "/developers/api-keys" },
      { label: "Webhook endpoints", to: "/developers/webhooks" },
      { label: "Test clocks", to: "/test-clocks" },
    ],
  },
];

function Sidebar(props: { onNavigate: () => void }) {
  const pathname = useRouterState({ select: (state) => state.location.pathname });
  return (
    <Stack gap="md" py="sm">
      {SECTIONS.map((section) => (
        <Box key={section.label} component="nav" aria-label={section.label}>
          <Text size="xs" fw={600} c="dimmed" tt="uppercase" px="sm" mb={4} style={{ letterSpacing: "0.05em" }}>
            {section.label}
          </Text>
          {section.items.map((item) =>
            "soon" in item ? (
              <NavLink
                key={item.label}
                label={item.label}
                disabled
                py={5}
                rightSection={
                  <Badge size="xs" variant="light" color="gray">
                    coming soon
                  </Badge>
                }
              />
            ) : (
              <NavLink
                key={item.label}
                label={item.label}
                component={Link}
                to={item.to}
                active={pathname.startsWith(item.to)}
                onClick={props.onNavigate}
                py={5}
                fw={500}
              />
            ),
          )}
        </Box>
      ))}
    </Stack>
  );
}

function UserMenu() {
  const session = useSession();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const signOut = useMutation({
    mutationFn: () => api.post("/v1/auth/logout"),
    onSettled: async (_data, error) => {
      if (error !== null) notifications.show({ color: "red", title: "Sign-out failed", message: error.message });
      setCsrfToken(null);
      queryClient.clear();
      queryClient.setQueryData(["session"], null);
      await navigate({ to: "/login", search: {} });
    },
  });
  if (session === null) return null;
  return (
    <Group gap="sm" wrap="nowrap">
      <Stack gap={0} align="flex-end" visibleFrom="xs">
        <Text size="sm" fw={600} lh={1.2} data-testid="user-name">
          {session.user.name}
        </Text>
        <Text size="xs" c="dimmed" lh={1.2}>
          {session.user.email}
        </Text>
      </Stack>
      <Badge variant="light" color="indigo" data-testid="user-role">
        {humanize(session.user.role)}
      </Badge>
      <Button size="xs" variant="default" onClick={() => signOut.mutate()} loading={signOut.isPending}>
        Sign out
      </Button>
    </Group>
  );
}

export function Shell() {
  const [opened, { toggle, close }] = useDisclosure(false);
  return (
    <AppShell
      header={{ height: 52 }}
      navbar={{ width: 264, breakpoint: "sm", collapsed: { mobile: !opened } }}
      padding="lg"
    >
      <AppShell.Header px="md">
        <Group h="100%" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Menu" />
            <Text
              component={Link}
              to="/ledger/trial-balance"
              fw={700}
              size="lg"
              c="indigo.7"
              style={{ letterSpacing: "-0.02em" }}
            >
              Accrue
            </Text>
            <Text size="xs" c="dimmed" visibleFrom="sm">
              Billing operations
            </Text>
          </Group>
          <UserMenu />
        </Group>
      </AppShell.Header>
      <AppShell.Navbar>
        <AppShell.Section grow component={ScrollArea} px="xs">
          <Sidebar onNavigate={close} />
        </AppShell.Section>
      </AppShell.Navbar>
      <AppShell.Main bg="gray.0">
        <Outlet />
      </AppShell.Main>
    </AppShell>
  );
}
