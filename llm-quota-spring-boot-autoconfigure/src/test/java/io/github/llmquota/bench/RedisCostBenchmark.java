package io.github.llmquota.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToDoubleFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;

import io.github.llmquota.budget.BudgetSpec;
import io.github.llmquota.budget.BudgetWindow;
import io.github.llmquota.budget.CostBudgets;
import io.github.llmquota.budget.ModelPrice;
import io.github.llmquota.budget.PriceTable;
import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.Priority;
import io.github.llmquota.core.QuotaLease;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.core.TokenUsage;
import io.github.llmquota.engine.DefaultQuotaEngine;
import io.github.llmquota.engine.ModelSpec;
import io.github.llmquota.engine.PoolSpec;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.engine.RateLimit;
import io.github.llmquota.engine.ScopeSpec;
import io.github.llmquota.engine.TenantWeights;
import io.github.llmquota.redis.RedisQuotaStore;
import io.github.llmquota.test.TestRedis;
import io.github.llmquota.test.TestRedisClient;
import io.github.llmquota.test.TestSettings;

/**
 * What one acquire + settle costs Redis, with 16 threads and a pool that never denies:
 * script calls, Redis commands, Redis CPU and bytes sent per cycle, from the deltas of
 * {@code INFO commandstats} and {@code INFO stats} over the run, and the throughput. Then
 * the same two EVALSHA calls, with the same keys and arguments as the store sent them
 * (read with {@code MONITOR}), sent raw through the same Lettuce connection: the client's
 * overhead is how much longer a cycle takes through the engine. Not part of the test run:
 * {@code ./mvnw -o -pl llm-quota-spring-boot-autoconfigure test -Pbenchmark
 * -Dtest=RedisCostBenchmark -Dsurefire.failIfNoSpecifiedTests=false}. Redis CPU per call
 * is the figure a busy machine disturbs least.
 */
@Tag("benchmark")
class RedisCostBenchmark {

	private static final int THREADS = 16;

	private static final Duration WARMUP = Duration.ofSeconds(3);

	private static final Duration MEASURE = Duration.ofSeconds(5);

	private static final Pattern QUOTED = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"");

	private static final Pattern TICKET_ID = Pattern.compile("^\\[\"([^\"]+)\"");

	@Test
	void redisCostPerAcquireAndSettle() throws Exception {
		// Limits far above what one machine can offer: this measures the decision, not
		// waiting. Leases end within the warm-up, as they do in a pool that has run for a
		// while: in its first lease timeout a settle also deletes any grant record it
		// might have.
		QuotaSettings settings = neverDenying().build();
		RedisConnectionFactory factory = TestRedisClient.LETTUCE.connectionFactory(TestRedis.shared());
		String prefix = "c" + UUID.randomUUID().toString().substring(0, 8);
		RedisQuotaStore store = new RedisQuotaStore(factory, settings, prefix);
		DefaultQuotaEngine engine = new DefaultQuotaEngine(settings, store);
		try {
			run(() -> cycles(engine, WARMUP));
			List<List<String>> calls = monitorOneCycle(engine);
			// Five rounds of three runs: the engine as it ships (calls combined), the
			// same
			// engine with every call a script call of its own, and those calls sent raw:
			// the client's own work is the difference between the last two.
			List<Cost> combined = new ArrayList<>();
			List<Cost> alone = new ArrayList<>();
			List<Cost> raw = new ArrayList<>();
			System.out
				.println("| round | run | script calls | Redis commands | Redis CPU µs | bytes sent | cycles/s |");
			System.out.println("|---|---|---|---|---|---|---|");
			for (int round = 1; round <= 5; round++) {
				store.setCallsCombined(true);
				combined.add(measure(factory, () -> cycles(engine, MEASURE)));
				store.setCallsCombined(false);
				alone.add(measure(factory, () -> cycles(engine, MEASURE)));
				raw.add(measure(factory, () -> rawCycles(factory, calls, MEASURE)));
				System.out.println("| " + round + " " + combined.get(round - 1).row("engine"));
				System.out.println("| " + round + " " + alone.get(round - 1).row("engine, calls not combined"));
				System.out.println("| " + round + " " + raw.get(round - 1).row("raw EVALSHA"));
			}
			System.out.printf("medians: Redis CPU per acquire + settle %.1f µs combined, %.1f µs not combined, "
					+ "%.1f µs raw; commands %.1f combined; cycles/s %.0f combined, %.0f not combined, %.0f raw%n",
					median(combined, Cost::cpuPerCycle), median(alone, Cost::cpuPerCycle),
					median(raw, Cost::cpuPerCycle), median(combined, Cost::commandsPerCycle),
					median(combined, Cost::cyclesPerSecond), median(alone, Cost::cyclesPerSecond),
					median(raw, Cost::cyclesPerSecond));
			System.out.printf("client overhead over raw EVALSHA (calls not combined, medians): %.1f %%%n",
					(median(raw, Cost::cyclesPerSecond) / median(alone, Cost::cyclesPerSecond) - 1) * 100);
			System.out.printf("engine throughput over raw EVALSHA (medians): %.2fx%n",
					median(combined, Cost::cyclesPerSecond) / median(raw, Cost::cyclesPerSecond));
			System.out.println("per cycle, by command (engine, last round): " + combined.get(4).byCommand());
			calls.forEach((call) -> System.out.println("sent: " + call));
		}
		finally {
			engine.close();
			TestRedisClient.destroy(factory);
		}
	}

	/**
	 * The Redis CPU of an acquire + settle in a pool that shares its classes between four
	 * tenants, against the same pool without tenants: five rounds of each, alternating,
	 * in one run; the medians and their ratio.
	 */
	@Test
	void redisCostWithTenantsAgainstWithout() throws Exception {
		QuotaSettings plain = neverDenying().build();
		QuotaSettings shared = neverDenying().tenants(TenantWeights.EQUAL).build();
		AtomicInteger threads = new AtomicInteger();
		alternate(new Contender("without", "without tenants", plain, RedisCostBenchmark::cycles),
				new Contender("with", "with", shared,
						(engine, duration) -> cycles(engine, duration, "tenant-" + (threads.incrementAndGet() % 4))));
	}

	/**
	 * The Redis CPU of an acquire + settle in a pool under a daily cost budget (worst
	 * case reserved at acquire, cost settled at settle, in the same two script calls),
	 * against the same pool without: five rounds of each, alternating, in one run; the
	 * medians and their ratio.
	 */
	@Test
	void redisCostWithABudgetAgainstWithout() throws Exception {
		QuotaSettings plain = neverDenying().build();
		QuotaSettings budgeted = plain.withBudgets(dailyBudget("bench"));
		alternate(new Contender("without", "without a budget", plain, RedisCostBenchmark::cycles),
				new Contender("with", "with", budgeted, RedisCostBenchmark::cycles));
	}

	/**
	 * The Redis CPU of an acquire + settle in a pool under a project under an
	 * organisation (the organisation limits requests and tokens per minute, the project
	 * tokens per minute), against the same pool alone: five rounds of each, alternating,
	 * in one run; the medians and their ratio.
	 */
	@Test
	void redisCostOfAThreeLevelTreeAgainstOnePool() throws Exception {
		QuotaSettings alone = neverDenying().build();
		QuotaSettings tree = threeLevels(alone);
		alternate(new Contender("one pool", "one pool", alone, RedisCostBenchmark::cycles),
				new Contender("three levels", "three levels", tree, RedisCostBenchmark::cycles));
	}

	/**
	 * Issue 15's figure: the Redis CPU of an acquire + settle in the three-level tree of
	 * {@link #redisCostOfAThreeLevelTreeAgainstOnePool()} under a daily cost budget on
	 * its organisation (worst case reserved, cost settled, in the same two calls),
	 * against the same pool alone without a budget.
	 */
	@Test
	void redisCostOfAThreeLevelTreeWithABudgetAgainstOnePool() throws Exception {
		QuotaSettings alone = neverDenying().build();
		alternate(new Contender("one pool", "one pool", alone, RedisCostBenchmark::cycles),
				new Contender("tree + budget", "three levels with a budget",
						threeLevels(alone).withBudgets(dailyBudget("bench-org")), RedisCostBenchmark::cycles));
	}

	/**
	 * A against B in one run: each warmed up, then five rounds of each, alternating, so
	 * that a machine that gets busier or quieter disturbs both alike; a table of the
	 * rounds, then the median Redis CPU per acquire + settle of each and their ratio.
	 */
	private static void alternate(Contender a, Contender b) throws Exception {
		RedisConnectionFactory factory = TestRedisClient.LETTUCE.connectionFactory(TestRedis.shared());
		DefaultQuotaEngine engineA = a.engine(factory);
		DefaultQuotaEngine engineB = b.engine(factory);
		try {
			run(() -> a.cycles().perThread(engineA, WARMUP));
			run(() -> b.cycles().perThread(engineB, WARMUP));
			List<Double> cpuA = new ArrayList<>();
			List<Double> cpuB = new ArrayList<>();
			System.out.printf("| round | Redis CPU µs %s | %s | commands %s | %s |%n", a.column(), b.column(),
					a.column(), b.column());
			System.out.println("|---|---|---|---|---|");
			for (int round = 1; round <= 5; round++) {
				Cost costA = measure(factory, () -> a.cycles().perThread(engineA, MEASURE));
				Cost costB = measure(factory, () -> b.cycles().perThread(engineB, MEASURE));
				cpuA.add(costA.cpuPerCycle());
				cpuB.add(costB.cpuPerCycle());
				System.out.printf("| %d | %.1f | %.1f | %.1f | %.1f |%n", round, costA.cpuPerCycle(),
						costB.cpuPerCycle(), costA.commandsPerCycle(), costB.commandsPerCycle());
			}
			double medianA = median(cpuA);
			double medianB = median(cpuB);
			System.out.printf("median Redis CPU per acquire + settle: %.1f µs %s, %.1f µs %s: %.2fx%n", medianA,
					a.summary(), medianB, b.summary(), medianB / medianA);
		}
		finally {
			engineA.close();
			engineB.close();
			TestRedisClient.destroy(factory);
		}
	}

	/**
	 * One side of {@link #alternate}.
	 *
	 * @param column its name in the table's header
	 * @param summary its name in the line of medians
	 * @param settings the pool it runs
	 * @param cycles what each of its threads runs for a duration
	 */
	private record Contender(String column, String summary, QuotaSettings settings, Cycles cycles) {

		DefaultQuotaEngine engine(RedisConnectionFactory factory) {
			return new DefaultQuotaEngine(this.settings,
					new RedisQuotaStore(factory, this.settings, "c" + UUID.randomUUID().toString().substring(0, 8)));
		}

	}

	@FunctionalInterface
	private interface Cycles {

		long perThread(DefaultQuotaEngine engine, Duration duration);

	}

	// The pool of the given settings under a project under an organisation: the
	// organisation limits requests and tokens per minute, the project tokens per minute.
	private static QuotaSettings threeLevels(QuotaSettings alone) {
		PoolSpec pool = alone.pools().get("bench");
		ScopeSpec org = new ScopeSpec("bench-org",
				List.of(RateLimit.of(Dimension.REQUESTS_PER_MINUTE, 1_000_000_000L, 0, 60_000),
						RateLimit.of(Dimension.TOKENS_PER_MINUTE, 1_000_000_000_000L, 0, 60_000)),
				0);
		ScopeSpec project = new ScopeSpec("bench-project",
				List.of(RateLimit.of(Dimension.TOKENS_PER_MINUTE, 1_000_000_000_000L, 0, 60_000)), 0);
		PoolSpec scoped = new PoolSpec(pool.name(), pool.provider(), pool.rates(), pool.maxConcurrency(), pool.models(),
				pool.userLimits(), pool.tenants(), List.of(project, org));
		return new QuotaSettings(Map.of("model", new ModelSpec("model", scoped, false)), alone.classes(),
				Priority.NORMAL, alone.leaseTimeout(), alone.queueCapacity(), alone.heartbeatInterval(),
				alone.feedback(), alone.admissionLookahead());
	}

	// A daily budget with a hard cap no benchmark reaches, on the given pool or scope, at
	// list prices for the benchmark's model.
	private static CostBudgets dailyBudget(String appliesTo) {
		BudgetSpec daily = new BudgetSpec("daily", 1_000_000_000_000_000L, BudgetWindow.DAY, ZoneId.of("UTC"),
				DayOfWeek.MONDAY, appliesTo, false, false, 0.8, 0.9, true);
		return new CostBudgets(List.of(daily), new PriceTable("USD", Map.of("model", new ModelPrice(new BigDecimal("3"),
				new BigDecimal("15"), new BigDecimal("3.75"), new BigDecimal("0.3")))));
	}

	// Limits far above what one machine can offer, leases of 2 s.
	private static TestSettings neverDenying() {
		return TestSettings.pool("bench")
			.leaseTimeout(Duration.ofSeconds(2))
			.limit(Dimension.REQUESTS_PER_MINUTE, 1_000_000_000L)
			.limit(Dimension.INPUT_TOKENS_PER_MINUTE, 1_000_000_000_000L)
			.limit(Dimension.OUTPUT_TOKENS_PER_MINUTE, 1_000_000_000_000L);
	}

	private static double median(List<Cost> costs, ToDoubleFunction<Cost> figure) {
		return median(costs.stream().map(figure::applyAsDouble).toList());
	}

	private static double median(List<Double> values) {
		List<Double> sorted = values.stream().sorted().toList();
		return sorted.get(sorted.size() / 2);
	}

	private static long cycles(DefaultQuotaEngine engine, Duration duration) {
		return cycles(engine, duration, null);
	}

	private static long cycles(DefaultQuotaEngine engine, Duration duration, String tenant) {
		long end = System.nanoTime() + duration.toNanos();
		long cycles = 0;
		QuotaRequest request = QuotaRequest.builder("model")
			.inputTokens(1_000)
			.maxOutputTokens(500)
			.maxWait(Duration.ZERO)
			.tenant(tenant)
			.build();
		while (System.nanoTime() < end) {
			QuotaLease lease = engine.acquire(request);
			lease.settle(TokenUsage.of(1_000, 120));
			cycles++;
		}
		return cycles;
	}

	// The same calls, each with a ticket id of its own, as the script receives them.
	private static long rawCycles(RedisConnectionFactory factory, List<List<String>> calls, Duration duration)
			throws Exception {
		String id = ticketId(calls);
		// As long as the engine's ids: its worker, then a number.
		String worker = id.substring(0, id.lastIndexOf('.') + 1) + Long.toHexString(Thread.currentThread().getId());
		long end = System.nanoTime() + duration.toNanos();
		long cycles = 0;
		try (RedisConnection connection = factory.getConnection()) {
			@SuppressWarnings("unchecked")
			RedisClusterAsyncCommands<byte[], byte[]> commands = (RedisClusterAsyncCommands<byte[], byte[]>) connection
				.getNativeConnection();
			while (System.nanoTime() < end) {
				String ticket = worker + "x" + cycles;
				for (List<String> call : calls) {
					String sha = call.get(1);
					int keyCount = Integer.parseInt(call.get(2));
					byte[][] keys = bytes(call.subList(3, 3 + keyCount), id, ticket);
					byte[][] args = bytes(call.subList(3 + keyCount, call.size()), id, ticket);
					commands.evalsha(sha, ScriptOutputType.MULTI, keys, args).get(5, TimeUnit.SECONDS);
				}
				cycles++;
			}
		}
		return cycles;
	}

	private static byte[][] bytes(List<String> values, String id, String ticket) {
		byte[][] bytes = new byte[values.size()][];
		for (int i = 0; i < bytes.length; i++) {
			bytes[i] = values.get(i).replace(id, ticket).getBytes(StandardCharsets.UTF_8);
		}
		return bytes;
	}

	private static String ticketId(List<List<String>> calls) {
		for (String arg : calls.get(calls.size() - 1)) {
			Matcher matcher = TICKET_ID.matcher(arg);
			if (matcher.find()) {
				return matcher.group(1);
			}
		}
		throw new IllegalStateException("No ticket id in " + calls);
	}

	// The EVALSHA calls of one acquire + settle, argument by argument, read with MONITOR.
	private static List<List<String>> monitorOneCycle(DefaultQuotaEngine engine) throws IOException {
		TestRedis redis = TestRedis.shared();
		try (Socket socket = new Socket(redis.host(), redis.port())) {
			OutputStream out = socket.getOutputStream();
			BufferedReader in = new BufferedReader(
					new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
			out.write("MONITOR\r\n".getBytes(StandardCharsets.US_ASCII));
			out.flush();
			in.readLine();
			QuotaLease lease = engine.acquire(QuotaRequest.builder("model")
				.inputTokens(1_000)
				.maxOutputTokens(500)
				.maxWait(Duration.ZERO)
				.build());
			lease.settle(TokenUsage.of(1_000, 120));
			List<List<String>> calls = new ArrayList<>();
			while (calls.size() < 2) {
				String line = in.readLine();
				if (line.contains("\"EVALSHA\"")) {
					List<String> call = new ArrayList<>();
					Matcher matcher = QUOTED.matcher(line.substring(line.indexOf("\"EVALSHA\"")));
					while (matcher.find()) {
						call.add(unescape(matcher.group(1)));
					}
					calls.add(call);
				}
			}
			return calls;
		}
	}

	// MONITOR quotes each argument, escaping quotes, backslashes and bytes as \xHH.
	private static String unescape(String quoted) {
		StringBuilder text = new StringBuilder();
		for (int i = 0; i < quoted.length(); i++) {
			char c = quoted.charAt(i);
			if (c != '\\') {
				text.append(c);
				continue;
			}
			char next = quoted.charAt(++i);
			switch (next) {
				case 'n' -> text.append('\n');
				case 'r' -> text.append('\r');
				case 't' -> text.append('\t');
				case 'x' -> {
					text.append((char) Integer.parseInt(quoted.substring(i + 1, i + 3), 16));
					i += 2;
				}
				default -> text.append(next);
			}
		}
		return text.toString();
	}

	private static long run(Callable<Long> perThread) throws Exception {
		ExecutorService pool = Executors.newFixedThreadPool(THREADS);
		List<Future<Long>> futures = new ArrayList<>();
		for (int t = 0; t < THREADS; t++) {
			futures.add(pool.submit(perThread));
		}
		long cycles = 0;
		for (Future<Long> future : futures) {
			cycles += future.get();
		}
		pool.shutdown();
		return cycles;
	}

	private static Cost measure(RedisConnectionFactory factory, Callable<Long> perThread) throws Exception {
		Properties before = info(factory);
		long cycles = run(perThread);
		return new Cost(before, info(factory), cycles);
	}

	private static Properties info(RedisConnectionFactory factory) {
		try (RedisConnection connection = factory.getConnection()) {
			Properties all = new Properties();
			all.putAll(connection.serverCommands().info("commandstats"));
			all.putAll(connection.serverCommands().info("stats"));
			return all;
		}
	}

	private record Cost(Properties before, Properties after, long cycles) {

		double cyclesPerSecond() {
			return this.cycles / (MEASURE.toMillis() / 1000.0);
		}

		double cpuPerCycle() {
			return (delta("cmdstat_evalsha", "usec") + delta("cmdstat_eval", "usec")) / this.cycles;
		}

		double commandsPerCycle() {
			double commands = 0;
			for (String name : this.after.stringPropertyNames()) {
				if (name.startsWith("cmdstat_") && !name.equals("cmdstat_info")) {
					commands += delta(name, "calls");
				}
			}
			return commands / this.cycles;
		}

		String row(String what) {
			double scriptCalls = delta("cmdstat_evalsha", "calls") + delta("cmdstat_eval", "calls");
			double cpu = delta("cmdstat_evalsha", "usec") + delta("cmdstat_eval", "usec");
			double commands = 0;
			for (String name : this.after.stringPropertyNames()) {
				if (name.startsWith("cmdstat_") && !name.equals("cmdstat_info")) {
					commands += delta(name, "calls");
				}
			}
			double bytes = Long.parseLong(this.after.getProperty("total_net_input_bytes"))
					- Long.parseLong(this.before.getProperty("total_net_input_bytes"));
			return String.format("| %s | %.2f | %.1f | %.1f | %.0f | %.0f |", what, scriptCalls / this.cycles,
					commands / this.cycles, cpu / this.cycles, bytes / this.cycles, cyclesPerSecond());
		}

		String byCommand() {
			StringBuilder text = new StringBuilder();
			for (String name : new TreeSet<>(this.after.stringPropertyNames())) {
				double calls = delta(name, "calls");
				if (name.startsWith("cmdstat_") && !name.equals("cmdstat_info") && calls > 0) {
					text.append(String.format("%s %.2f; ", name.substring(8), calls / this.cycles));
				}
			}
			return text.toString();
		}

		// A field of a commandstats line, "calls=12,usec=345,...", as a number; 0 when
		// absent.
		private double delta(String command, String field) {
			return field(this.after.getProperty(command), field) - field(this.before.getProperty(command), field);
		}

		private static double field(String line, String field) {
			if (line == null) {
				return 0;
			}
			for (String part : line.split(",")) {
				if (part.startsWith(field + "=")) {
					return Double.parseDouble(part.substring(field.length() + 1));
				}
			}
			return 0;
		}

	}

}
