package io.github.llmquota.engine;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.github.llmquota.core.CallOutcome;
import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.local.InMemoryQuotaStore;
import io.github.llmquota.test.ForwardingQuotaStore;
import io.github.llmquota.test.TestSettings;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The engine gives each ticket its tenant's share where the pool shares its classes
 * between tenants: a hash of the tenant id, never the id, its configured weight and its
 * tokens.
 */
class QuotaEngineTenantTests {

	private final long now = 1_700_000_000_000L;

	private final List<Ticket> tickets = new ArrayList<>();

	private DefaultQuotaEngine engine;

	@AfterEach
	void close() {
		if (this.engine != null) {
			this.engine.close();
		}
	}

	@Test
	void ticketCarriesTheHashedTenantItsWeightAndItsTokens() {
		start(new TenantWeights(1, Map.of("acme", 3.0)));
		this.engine.acquire(request("acme")).release(CallOutcome.NOT_SENT);
		this.engine.acquire(request(null)).release(CallOutcome.NOT_SENT);

		TenantShare acme = this.tickets.get(0).tenant();
		assertThat(acme.keyHash()).isEqualTo(Sha256.hex("acme", 16)).doesNotContain("acme");
		assertThat(acme.weight()).isEqualTo(3);
		assertThat(acme.tokens()).isEqualTo(1_200);
		assertThat(this.tickets.get(1).tenant().keyHash()).isEqualTo("-");
		assertThat(this.tickets.get(1).tenant().weight()).isEqualTo(1);
	}

	@Test
	void withoutTenantWeightsTicketsCarryNoTenant() {
		start(null);
		this.engine.acquire(request("acme")).release(CallOutcome.NOT_SENT);

		assertThat(this.tickets.get(0).tenant()).isNull();
	}

	private void start(TenantWeights tenants) {
		QuotaSettings settings = TestSettings.pool("tenants")
			.limit(Dimension.INPUT_TOKENS_PER_MINUTE, 100_000)
			.tenants(tenants)
			.build();
		QuotaStore store = new ForwardingQuotaStore(new InMemoryQuotaStore(settings, () -> this.now)) {

			@Override
			public Admission acquire(PoolSpec pool, Ticket ticket) {
				QuotaEngineTenantTests.this.tickets.add(ticket);
				return super.acquire(pool, ticket);
			}

		};
		this.engine = new DefaultQuotaEngine(settings, store);
	}

	private static QuotaRequest request(String tenant) {
		return QuotaRequest.builder("model")
			.inputTokens(1_000)
			.maxOutputTokens(200)
			.tenant(tenant)
			.maxWait(Duration.ZERO)
			.build();
	}

}
