package io.github.llmquota.sample;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.engine.ModelSpec;
import io.github.llmquota.engine.QuotaEngineListener;
import io.github.llmquota.sample.simulator.ProviderSimulator;

/**
 * Compares what the provider counted with what the quota engine admitted, as a provider's
 * bill would be compared with the quota: the simulator's requests against the engine's
 * admissions, counted by a {@link QuotaEngineListener}: {@code @Import} {@link Listener}
 * into the test's context.
 *
 * @param providerRequests the requests the simulator received
 * @param admitted the requests the engine admitted
 */
record ProviderAttempts(long providerRequests, long admitted) {

	static ProviderAttempts read(ProviderSimulator simulator, Listener listener) {
		return new ProviderAttempts(simulator.stats().requests(), listener.admitted.get());
	}

	ProviderAttempts since(ProviderAttempts earlier) {
		return new ProviderAttempts(this.providerRequests - earlier.providerRequests, this.admitted - earlier.admitted);
	}

	/**
	 * Return the requests the provider received that the engine did not admit.
	 * @return the unadmitted requests, negative if more were admitted than sent
	 */
	long unadmitted() {
		return this.providerRequests - this.admitted;
	}

	/**
	 * Counts the engine's admissions.
	 */
	static class Listener implements QuotaEngineListener {

		private final AtomicLong admitted = new AtomicLong();

		@Override
		public void admitted(ModelSpec model, QuotaRequest request, Duration waited) {
			this.admitted.incrementAndGet();
		}

	}

}
