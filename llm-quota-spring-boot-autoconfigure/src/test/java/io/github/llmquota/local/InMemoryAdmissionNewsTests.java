package io.github.llmquota.local;

import org.junit.jupiter.api.Test;

import io.github.llmquota.engine.Admission;
import io.github.llmquota.engine.AdmissionNewsContractTests;
import io.github.llmquota.engine.PoolSpec;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.engine.QuotaStore;
import io.github.llmquota.engine.Ticket;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The in-memory store tells the engine about its waiting tickets as the Redis script
 * does.
 */
class InMemoryAdmissionNewsTests extends AdmissionNewsContractTests {

	private boolean ignoreArrivals;

	@Override
	protected QuotaStore createStore(QuotaSettings settings) {
		if (this.ignoreArrivals) {
			// A deliberately wrong store: every ticket queues as a new arrival.
			return new InMemoryQuotaStore(settings, () -> this.now) {

				@Override
				public Admission acquire(PoolSpec pool, Ticket ticket) {
					return super.acquire(pool, new Ticket(ticket.id(), ticket.worker(), ticket.rank(), ticket.cost(),
							ticket.maxWaitMillis(), ticket.model(), ticket.user()));
				}

			};
		}
		return new InMemoryQuotaStore(settings, () -> this.now);
	}

	@Test
	void storeThatIgnoresArrivalsServesTheReEntryAfterLaterArrivalsOfItsClass() {
		this.ignoreArrivals = true;

		assertThat(grantOrderAfterAReEntry()).containsExactly("higher class, arrived later",
				"same class, arrived later", "re-entry");
	}

}
