package io.github.llmquota.redis;

import java.time.Duration;

import io.github.llmquota.core.Priority;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.engine.DefaultQuotaEngine;

/**
 * The worker JVM that {@link CrashedWorkerTests} kills: it takes the pool's only slot
 * with a 5000-token call, queues a critical request behind it, says it is ready, and
 * waits to die. It halts by itself if the test JVM dies first.
 */
public final class CrashingWorker {

	private CrashingWorker() {
	}

	public static void main(String[] args) throws Exception {
		WorkerProcesses.dieWithParent();
		DefaultQuotaEngine engine = WorkerProcesses.workerEngine(args, CrashedWorkerTests.settings());
		engine.acquire(QuotaRequest.builder("model").inputTokens(5_000).maxWait(Duration.ZERO).build());
		engine.acquireAsync(QuotaRequest.builder("model")
			.priority(Priority.CRITICAL)
			.inputTokens(5_000)
			.maxWait(Duration.ofMinutes(5))
			.build());
		System.out.println(WorkerProcesses.READY);
		System.out.flush();
		// Wait to be killed: this JVM must die holding its lease and ticket.
		Thread.currentThread().join();
	}

}
