package io.github.llmquota.attempt.springai;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.engine.ModelSpec;
import io.github.llmquota.engine.QuotaEngineListener;

/**
 * Records every request the engine admits, in admission order, as the engine reports it.
 */
final class AdmissionRecorder implements QuotaEngineListener {

	private final List<QuotaRequest> admitted = new CopyOnWriteArrayList<>();

	@Override
	public void admitted(ModelSpec model, QuotaRequest request, Duration waited) {
		this.admitted.add(request);
	}

	int count() {
		return this.admitted.size();
	}

	List<QuotaRequest> admitted() {
		return List.copyOf(this.admitted);
	}

}
