package io.github.llmquota.redis;

import java.time.Duration;

import io.github.llmquota.core.Provider;
import io.github.llmquota.core.ProviderProfile;
import io.github.llmquota.core.QuotaLease;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.engine.DefaultQuotaEngine;
import io.github.llmquota.stream.StreamMeter;
import io.github.llmquota.stream.StreamStep;

/**
 * The worker JVM that {@link CrashedStreamingWorkerTests} kills: it takes the pool's only
 * slot for a stream, which reports 5,000 output tokens (charged at once), says it is
 * ready, and then sends nothing more, as a model that thinks long does, until it is
 * killed. Its heartbeat is on, or off with the argument {@code at-end-only}. It halts by
 * itself if the test JVM dies first.
 */
public final class StreamingWorker {

	static final long OUTPUT = 5_000;

	private StreamingWorker() {
	}

	public static void main(String[] args) throws Exception {
		WorkerProcesses.dieWithParent();
		DefaultQuotaEngine engine = WorkerProcesses.workerEngine(args, CrashedStreamingWorkerTests.settings());
		QuotaLease lease = engine.acquire(
				QuotaRequest.builder("model").inputTokens(100).maxOutputTokens(1_000).maxWait(Duration.ZERO).build());
		StreamStep step = "at-end-only".equals(args[3]) ? StreamStep.AT_END_ONLY
				: new StreamStep(100, CrashedStreamingWorkerTests.CHARGE_INTERVAL);
		StreamMeter meter = new StreamMeter(lease, 100, step, ProviderProfile.of(Provider.ANTHROPIC));
		meter.reportedOutput(OUTPUT);
		System.out.println(WorkerProcesses.READY);
		System.out.flush();
		// Silent until killed: only the heartbeat keeps the lease.
		Thread.currentThread().join();
	}

}
