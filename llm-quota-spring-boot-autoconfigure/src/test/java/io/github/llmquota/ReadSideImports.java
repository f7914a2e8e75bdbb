package io.github.llmquota;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import io.github.llmquota.engine.LiveSettings;
import io.github.llmquota.engine.ModelSpec;
import io.github.llmquota.engine.PoolSpec;
import io.github.llmquota.engine.PriorityClass;
import io.github.llmquota.engine.QuotaEngineListener;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.engine.RateLimit;
import io.github.llmquota.engine.ScopeSpec;

/**
 * The rule that keeps the engine's readers on its read side: the fallback chain and the
 * {@code actuate} packages (endpoint, health, metrics, alerts) learn a pool's state from
 * {@link io.github.llmquota.core.QuotaEngine#state(String)} only, never from the store
 * SPI ({@code engine.QuotaStore}, its {@code PoolSnapshot}) nor from a store
 * implementation, so that the snapshot's layout is known in one place. Of {@code engine}
 * they may use the validated configuration (and the live settings over it) and the
 * engine's event SPI ({@link QuotaEngineListener} and the types its methods take) alone.
 * The failover store's own meters are the one exception: its fail mode and unlimited
 * admissions are not pool state.
 * <p>
 * A source scan rather than a reflection walk: an import that is only used in Javadoc, or
 * a fully qualified name in code, counts as much as an import.
 */
final class ReadSideImports {

	static final Path SOURCES = Path.of("src/main/java");

	private static final Pattern READER = Pattern.compile("io/github/llmquota/(fallback|actuate)/.*\\.java");

	private static final Pattern REFERENCE = Pattern
		.compile("io\\.github\\.llmquota\\.(engine|failover|redis|local)\\.(\\*|[A-Z]\\w*)");

	private static final Set<String> ALLOWED_ENGINE_TYPES = allowedEngineTypes();

	private static final Map<String, Set<String>> EXCEPTIONS = Map
		.of("io/github/llmquota/actuate/metrics/FailoverMeterBinder.java", Set.of("failover.FailoverQuotaStore"));

	private ReadSideImports() {
	}

	private static Set<String> allowedEngineTypes() {
		// LiveSettings is configuration too: what operators changed over it at runtime,
		// read and changed through the engine. A pool's scopes and rate limits are parts
		// of its validated configuration.
		Set<String> allowed = new TreeSet<>(Set.of(QuotaSettings.class.getSimpleName(), ModelSpec.class.getSimpleName(),
				PoolSpec.class.getSimpleName(), PriorityClass.class.getSimpleName(),
				QuotaEngineListener.class.getSimpleName(), LiveSettings.class.getSimpleName(),
				ScopeSpec.class.getSimpleName(), RateLimit.class.getSimpleName()));
		// Read from the listener, so that renaming an event type cannot break the rule.
		for (Method method : QuotaEngineListener.class.getMethods()) {
			for (Class<?> type : method.getParameterTypes()) {
				Class<?> topLevel = type;
				while (topLevel.getEnclosingClass() != null) {
					topLevel = topLevel.getEnclosingClass();
				}
				if (topLevel.getPackage() == QuotaEngineListener.class.getPackage()) {
					allowed.add(topLevel.getSimpleName());
				}
			}
		}
		return allowed;
	}

	/**
	 * Read the sources of every reader of the engine's state.
	 * @param root the source root
	 * @return each reader's text, by path relative to the root with forward slashes
	 */
	static Map<String, String> readers(Path root) {
		Map<String, String> sources = new TreeMap<>();
		try (Stream<Path> files = Files.walk(root)) {
			for (Path file : files.filter(Files::isRegularFile).toList()) {
				String path = root.relativize(file).toString().replace('\\', '/');
				if (READER.matcher(path).matches()) {
					sources.put(path, Files.readString(file));
				}
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		return sources;
	}

	/**
	 * Return every reference that breaks the rule.
	 * @param sources the readers' sources by path
	 * @return one line per forbidden reference, naming the file and the type
	 */
	static List<String> violations(Map<String, String> sources) {
		List<String> violations = new ArrayList<>();
		sources.forEach((path, source) -> {
			Matcher matcher = REFERENCE.matcher(source);
			while (matcher.find()) {
				String pkg = matcher.group(1);
				String type = matcher.group(2);
				boolean allowed = (pkg.equals("engine") && ALLOWED_ENGINE_TYPES.contains(type))
						|| EXCEPTIONS.getOrDefault(path, Set.of()).contains(pkg + "." + type);
				if (!allowed) {
					violations.add(path + " uses io.github.llmquota." + pkg + "." + type);
				}
			}
		});
		return violations;
	}

}
