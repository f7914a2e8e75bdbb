package io.github.llmquota.sample.load;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

import com.anthropic.errors.AnthropicException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import io.github.llmquota.attempt.LlmCallContext;
import io.github.llmquota.batch.BatchValve;
import io.github.llmquota.core.Priority;
import io.github.llmquota.core.QuotaRejectedException;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.core.RejectionReason;
import io.github.llmquota.engine.ModelSpec;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.sample.anthropic.AnthropicClient;
import io.github.llmquota.sample.anthropic.Answer;
import io.github.llmquota.sample.anthropic.Prompt;
import io.github.llmquota.sample.chat.ChatService;
import io.github.llmquota.sample.load.ProviderTraffic.ModelTraffic;
import io.github.llmquota.sample.simulator.ProviderSimulator;
import io.github.llmquota.sample.summary.Summariser;

import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.http.ResponseEntity;
import org.springframework.lang.Nullable;
import org.springframework.web.client.RestClientException;

/**
 * Runs load mode once the application has started: chat calls at INTERACTIVE priority at
 * a fixed rate, whether or not earlier ones have finished, and summarisation workers at
 * BACKGROUND priority, each sending one call after another, all through the same governed
 * methods the application uses; and, if asked for, calls at CRITICAL priority at a fixed
 * rate, made on the provider client in an {@link LlmCallContext}, which only the attempt
 * governor admits. A refused worker waits as long as the rejection's retry-after says
 * before its next call (a second after a failed call), as a well-behaved job does;
 * llm-quota sheds BACKGROUND work while a pool is CRITICAL. When the duration is over it
 * starts no more calls, lets the calls already started finish (for at most three minutes,
 * after which it interrupts them), and prints one line {@code LOAD-SUMMARY {json}} to
 * standard output. {@link LoadApplication}'s {@code main} then exits.
 */
public class LoadRunner implements ApplicationRunner {

	private static final Log logger = LogFactory.getLog(LoadRunner.class);

	/** The prefix of the summary line. */
	public static final String SUMMARY_PREFIX = "LOAD-SUMMARY ";

	// How long calls started before the end of the run may take to finish: a queue of
	// background calls drains at the pool's rate once the run stops adding to it.
	private static final Duration DRAIN_TIMEOUT = Duration.ofMinutes(3);

	private static final Duration INTERRUPT_TIMEOUT = Duration.ofSeconds(10);

	// A background worker that is refused waits what the rejection says, within these
	// bounds; after a failed call, a second.
	private static final Duration MIN_BACKOFF = Duration.ofMillis(100);

	private static final Duration MAX_BACKOFF = Duration.ofSeconds(10);

	private static final Duration ERROR_BACKOFF = Duration.ofSeconds(1);

	private static final int USERS = 20;

	private final LoadProperties properties;

	private final ChatService chat;

	private final Summariser summariser;

	private final AnthropicClient client;

	private final ProviderTraffic traffic;

	@Nullable
	private final ProviderSimulator simulator;

	private final QuotaSettings settings;

	private final AcquireWaits waits;

	private final ObjectMapper objectMapper;

	@Nullable
	private final BatchValve valve;

	private final StreamingLoad streams;

	private final Map<String, LongAdder> calls = new ConcurrentHashMap<>();

	private final Map<RejectionReason, LongAdder> rejected = new ConcurrentHashMap<>();

	private final LongAdder cancelledAtEnd = new LongAdder();

	private final LongAdder fallbacks = new LongAdder();

	private final Map<String, LongAdder> tenantTokens = new ConcurrentHashMap<>();

	/**
	 * The model of the sample's second project, project-assist, which assist load calls.
	 */
	static final String ASSIST_MODEL = "claude-haiku-4-5";

	private volatile boolean stopping;

	private final CountDownLatch stopped = new CountDownLatch(1);

	private volatile LoadSummary summary;

	LoadRunner(LoadProperties properties, ChatService chat, Summariser summariser, AnthropicClient client,
			ProviderTraffic traffic, @Nullable ProviderSimulator simulator, QuotaSettings settings, AcquireWaits waits,
			ObjectMapper objectMapper, @Nullable BatchValve valve, StreamingLoad streams) {
		this.valve = valve;
		this.streams = streams;
		this.properties = properties;
		this.chat = chat;
		this.summariser = summariser;
		this.client = client;
		this.traffic = traffic;
		this.simulator = simulator;
		this.settings = settings;
		this.waits = waits;
		this.objectMapper = objectMapper.copy().disable(SerializationFeature.INDENT_OUTPUT);
	}

	@Override
	public void run(ApplicationArguments args) throws InterruptedException, JsonProcessingException {
		logger.info("Load mode: " + this.properties.getInteractiveRps() + " chat calls/s, "
				+ this.properties.getCriticalRps() + " critical calls/s, " + this.properties.getStreamRps()
				+ " streamed calls/s and " + this.properties.getBackgroundConcurrency()
				+ " summarisation workers against " + this.client.baseUrl() + " for " + this.properties.getDuration());
		this.summary = run();
		if (this.properties.getStreamRps() > 0) {
			System.out
				.println(StreamingLoad.ACCURACY_PREFIX + this.objectMapper.writeValueAsString(this.streams.accuracy()));
		}
		if (!this.summary.scopeTokens().isEmpty()) {
			logger.info("Tokens per scope (each project's share of its organisation's): " + this.summary.scopeTokens());
		}
		System.out.println(SUMMARY_PREFIX + this.objectMapper.writeValueAsString(this.summary));
		System.out.flush();
	}

	/**
	 * Return the summary of the run.
	 * @return the summary, or {@code null} before the run has ended
	 */
	public LoadSummary summary() {
		return this.summary;
	}

	private LoadSummary run() throws InterruptedException {
		LoadPrompts prompts = new LoadPrompts(this.properties);
		ProviderTraffic.Snapshot before = this.traffic.snapshot();
		long simulatorRequestsBefore = simulatorRequests();
		this.waits.start();
		long start = System.nanoTime();
		int tenantWorkers = this.properties.getTenantWorkers().stream().mapToInt(Integer::intValue).sum();
		ExecutorService background = Executors.newFixedThreadPool(
				Math.max(this.properties.getBackgroundConcurrency() + tenantWorkers, 1), threads("load-background-"));
		for (int i = 0; i < this.properties.getBackgroundConcurrency(); i++) {
			background.execute(() -> {
				while (!this.stopping && !Thread.currentThread().isInterrupted()) {
					Prompt prompt = prompts.next();
					Duration backoff = call(Priority.BACKGROUND, Summariser.MODEL, () -> summarise(prompt));
					if (backoff != null && !backOff(backoff)) {
						return;
					}
				}
			});
		}
		ExecutorService openLoop = Executors.newCachedThreadPool(threads("load-open-loop-"));
		ScheduledExecutorService ticker = Executors.newScheduledThreadPool(2, threads("load-ticker-"));
		AtomicInteger users = new AtomicInteger();
		atRate(ticker, this.properties.getInteractiveRps(), () -> openLoop.execute(() -> {
			String user = "load-user-" + (users.getAndIncrement() % USERS);
			call(Priority.INTERACTIVE, ChatService.MODEL,
					() -> this.chat.reply(user, ChatService.MODEL, prompts.next()));
		}));
		backgroundArrivals(ticker, openLoop, prompts);
		startTenants(background, prompts);
		LlmCallContext assist = LlmCallContext.priority(Priority.INTERACTIVE).build();
		atRate(ticker, this.properties.getAssistRps(),
				() -> openLoop.execute(() -> call(Priority.INTERACTIVE, ASSIST_MODEL,
						() -> assist.call(() -> this.client.createMessage(prompts.next().toRequest(ASSIST_MODEL))))));
		LlmCallContext critical = LlmCallContext.priority(Priority.CRITICAL).build();
		atRate(ticker, this.properties.getCriticalRps(), () -> openLoop.execute(() -> call(Priority.CRITICAL,
				ChatService.MODEL,
				() -> critical.call(() -> this.client.createMessage(prompts.next().toRequest(ChatService.MODEL))))));
		if (this.properties.getStreamRps() > 0) {
			atRate(ticker, this.properties.getStreamRps(), () -> openLoop
				.execute(() -> call(Priority.INTERACTIVE, ChatService.MODEL, () -> this.streams.send(prompts.next()))));
			this.streams.startSampling(ticker);
		}
		TimeUnit.NANOSECONDS.sleep(this.properties.getDuration().toNanos());
		this.stopping = true;
		this.stopped.countDown();
		ticker.shutdownNow();
		// Calls already started finish, waiting ones included: interrupting a call would
		// cut it off half-way, between admission and settlement.
		openLoop.shutdown();
		background.shutdown();
		long drainDeadline = System.nanoTime() + DRAIN_TIMEOUT.toNanos();
		awaitTermination(openLoop, drainDeadline);
		awaitTermination(background, drainDeadline);
		Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
		this.waits.stop();
		Long simulatorRequests = (this.simulator != null) ? simulatorRequests() - simulatorRequestsBefore : null;
		return summarise(this.traffic.snapshot().since(before), simulatorRequests, elapsed);
	}

	// Open-loop background work: arrivals at a fixed rate, each waiting (or deferred) on
	// its own thread, so that pressure does not slow the arrivals as it slows workers.
	private void backgroundArrivals(ScheduledExecutorService ticker, ExecutorService openLoop, LoadPrompts prompts) {
		atRate(ticker, this.properties.getBackgroundRps(), () -> openLoop
			.execute(() -> call(Priority.BACKGROUND, Summariser.MODEL, () -> summarise(prompts.next()))));
	}

	// Tenant load: per tenant, its number of workers, each sending one NORMAL chat call
	// after another in its tenant's name, and counting the tokens of each answer.
	private void startTenants(ExecutorService executor, LoadPrompts prompts) {
		List<Integer> workers = this.properties.getTenantWorkers();
		for (int t = 0; t < workers.size(); t++) {
			String tenant = "tenant-" + (t + 1);
			LlmCallContext context = LlmCallContext.priority(Priority.NORMAL).tenant(tenant).build();
			for (int i = 0; i < workers.get(t); i++) {
				executor.execute(() -> {
					while (!this.stopping && !Thread.currentThread().isInterrupted()) {
						Duration backoff = call(Priority.NORMAL, ChatService.MODEL, () -> {
							ResponseEntity<Answer> answer = context
								.call(() -> this.client.createMessage(prompts.next().toRequest(ChatService.MODEL)));
							// Answers after the run are its drain, which serves the
							// backlog in
							// proportion to each tenant's workers, not to its share: left
							// out.
							if (answer.getBody() != null && !this.stopping) {
								this.tenantTokens.computeIfAbsent(tenant, (name) -> new LongAdder())
									.add(answer.getBody().inputTokens() + answer.getBody().outputTokens());
							}
							return answer;
						});
						if (backoff != null && !backOff(backoff)) {
							return;
						}
					}
				});
			}
		}
	}

	// Deferrable summaries go to the batch valve, which calls the summariser directly
	// unless the pool is under pressure; this worker waits for a deferred call's batch.
	private ResponseEntity<Answer> summarise(Prompt prompt) {
		if (this.valve == null || !this.properties.isBackgroundDeferrable()) {
			return this.summariser.summarise(Summariser.MODEL, prompt);
		}
		String body;
		try {
			body = this.objectMapper.writeValueAsString(prompt.toRequest(Summariser.MODEL));
		}
		catch (JsonProcessingException ex) {
			throw new IllegalStateException(ex);
		}
		QuotaRequest request = QuotaRequest.builder(Summariser.MODEL)
			.priority(Priority.BACKGROUND)
			.deferrable(true)
			.build();
		try {
			return this.valve
				.call(request, body, (json) -> ResponseEntity.<Answer>ok(null),
						() -> this.summariser.summarise(Summariser.MODEL, prompt))
				.join();
		}
		catch (CompletionException ex) {
			// A direct call's rejection is counted as any other.
			throw (ex.getCause() instanceof RuntimeException cause) ? cause : ex;
		}
	}

	private long simulatorRequests() {
		return (this.simulator != null) ? this.simulator.stats().requests() : 0;
	}

	private static void atRate(ScheduledExecutorService ticker, double perSecond, Runnable start) {
		if (perSecond > 0) {
			long period = Math.max(Math.round(1_000_000_000 / perSecond), 1);
			ticker.scheduleAtFixedRate(start, 0, period, TimeUnit.NANOSECONDS);
		}
	}

	/**
	 * Make one call and count its outcome.
	 * @return how long to wait before the next call, as a worker that respects a
	 * rejection waits, or {@code null} to go on at once
	 */
	private Duration call(String priority, String model, Supplier<ResponseEntity<Answer>> call) {
		this.calls.computeIfAbsent(priority, (name) -> new LongAdder()).increment();
		try {
			Answer answer = call.get().getBody();
			if (answer != null && !model.equals(answer.model())) {
				this.fallbacks.increment();
			}
		}
		catch (QuotaRejectedException ex) {
			if (this.stopping && ex.getReason() == RejectionReason.CANCELLED) {
				this.cancelledAtEnd.increment();
				return null;
			}
			this.rejected.computeIfAbsent(ex.getReason(), (reason) -> new LongAdder()).increment();
			return (ex.getRetryAfter() != null) ? ex.getRetryAfter() : MAX_BACKOFF;
		}
		catch (RestClientException | AnthropicException ex) {
			// Counted by the client's traffic; a cut call at the end is counted here too.
			if (this.stopping && Thread.currentThread().isInterrupted()) {
				this.cancelledAtEnd.increment();
				return null;
			}
			if (logger.isDebugEnabled()) {
				logger.debug("Load call failed: " + ex.getMessage());
			}
			return ERROR_BACKOFF;
		}
		catch (RuntimeException ex) {
			logger.warn("Load call failed unexpectedly: " + ex, ex);
		}
		return null;
	}

	/**
	 * Wait before the next call, as long as a rejection asked, within bounds, or until
	 * the run stops.
	 * @return whether to go on
	 */
	private boolean backOff(Duration retryAfter) {
		long nanos = Math.min(Math.max(retryAfter.toNanos(), MIN_BACKOFF.toNanos()), MAX_BACKOFF.toNanos());
		try {
			return !this.stopped.await(nanos, TimeUnit.NANOSECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return false;
		}
	}

	private LoadSummary summarise(ProviderTraffic.Snapshot traffic, @Nullable Long simulatorRequests,
			Duration elapsed) {
		long input = 0;
		long cacheCreation = 0;
		long cacheRead = 0;
		long output = 0;
		Map<String, Long> served = new TreeMap<>();
		for (Map.Entry<String, ModelTraffic> entry : traffic.models().entrySet()) {
			ModelTraffic model = entry.getValue();
			input += model.inputTokens();
			cacheCreation += model.cacheCreationInputTokens();
			cacheRead += model.cacheReadInputTokens();
			output += model.outputTokens();
			if (model.succeeded() > 0) {
				served.put(entry.getKey(), model.succeeded());
			}
		}
		Goodput.Result goodput = Goodput.of(this.settings.models(), traffic.models(), elapsed);
		return new LoadSummary(this.client.baseUrl(), Math.round(elapsed.toMillis() / 100.0) / 10.0, counts(this.calls),
				traffic.sent(), this.waits.admissions(), simulatorRequests, traffic.succeeded(), traffic.rateLimited(),
				traffic.otherErrors() + traffic.unanswered(), counts(this.rejected), this.cancelledAtEnd.sum(),
				this.fallbacks.sum(), this.waits.summary(),
				new LoadSummary.Tokens(input, cacheCreation, cacheRead, output), served, goodput.percent(),
				goodput.pools(), (this.valve != null) ? this.valve.deferredCount() : 0, counts(this.tenantTokens),
				scopeTokens(traffic));
	}

	// Each answer's tokens count toward every scope above the pool of the model that
	// answered it: the organisation sees the sum of its projects.
	private Map<String, Long> scopeTokens(ProviderTraffic.Snapshot traffic) {
		Map<String, Long> tokens = new TreeMap<>();
		traffic.models().forEach((name, model) -> {
			ModelSpec spec = this.settings.models().get(name);
			long answered = model.inputTokens() + model.cacheCreationInputTokens() + model.cacheReadInputTokens()
					+ model.outputTokens();
			if (spec != null && answered > 0) {
				spec.pool().scopeChain().forEach((scope) -> tokens.merge(scope.name(), answered, Long::sum));
			}
		});
		return tokens;
	}

	private static Map<String, Long> counts(Map<?, LongAdder> adders) {
		Map<String, Long> counts = new TreeMap<>();
		adders.forEach((key, adder) -> counts.put(key.toString(), adder.sum()));
		return counts;
	}

	private static void awaitTermination(ExecutorService executor, long deadline) throws InterruptedException {
		if (!executor.awaitTermination(Math.max(deadline - System.nanoTime(), 0), TimeUnit.NANOSECONDS)) {
			logger.warn("Load calls still waiting or running " + DRAIN_TIMEOUT + " after the end of the run; "
					+ "interrupting them");
			executor.shutdownNow();
			executor.awaitTermination(INTERRUPT_TIMEOUT.toNanos(), TimeUnit.NANOSECONDS);
		}
	}

	private static ThreadFactory threads(String prefix) {
		AtomicInteger count = new AtomicInteger();
		return (task) -> {
			Thread thread = new Thread(task, prefix + count.incrementAndGet());
			thread.setDaemon(true);
			return thread;
		};
	}

}
