package io.github.llmquota.redis;

import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Tests that the worker JVMs of {@link CrashedWorkerTests} never outlive it, however it
 * ends.
 */
class WorkerProcessesTests {

	@Test
	void aWorkerIsKilledWhenTheTestThatStartedItFails() {
		Process[] started = new Process[1];
		assertThatIllegalStateException().isThrownBy(() -> {
			try (WorkerProcesses workers = new WorkerProcesses()) {
				started[0] = workers.start(IdleWorker.class);
				throw new IllegalStateException("the test failed");
			}
		}).withMessage("the test failed");
		assertThat(started[0].isAlive()).isFalse();
	}

	@Test
	void aWorkerThatExitsBeforeItIsReadyIsReported() {
		try (WorkerProcesses workers = new WorkerProcesses()) {
			assertThatIllegalStateException().isThrownBy(() -> workers.start(IdleWorker.class, "exit"))
				.withMessageContaining("exited before it was ready");
		}
	}

	@Test
	void aWorkerHaltsWhenTheJvmThatStartedItIsKilled() throws Exception {
		try (WorkerProcesses workers = new WorkerProcesses()) {
			Process parent = workers.start(ParentWorker.class);
			List<ProcessHandle> children = parent.children().toList();
			assertThat(children).hasSize(1);
			// SIGKILL: the parent's shutdown hooks do not run, so only the child's own
			// watch can end it.
			parent.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
			assertThat(children.get(0).onExit().get(30, TimeUnit.SECONDS).isAlive()).isFalse();
		}
	}

	/**
	 * A worker that is ready at once and then waits to be killed, or exits at once when
	 * given {@code exit}.
	 */
	public static final class IdleWorker {

		private IdleWorker() {
		}

		public static void main(String[] args) throws Exception {
			WorkerProcesses.dieWithParent();
			if (args.length > 0 && args[0].equals("exit")) {
				System.exit(2);
			}
			System.out.println(WorkerProcesses.READY);
			System.out.flush();
			Thread.currentThread().join();
		}

	}

	/**
	 * A worker that starts an {@link IdleWorker} of its own before it is ready.
	 */
	public static final class ParentWorker {

		private ParentWorker() {
		}

		public static void main(String[] args) throws Exception {
			WorkerProcesses.dieWithParent();
			new WorkerProcesses().start(IdleWorker.class);
			System.out.println(WorkerProcesses.READY);
			System.out.flush();
			Thread.currentThread().join();
		}

	}

}
