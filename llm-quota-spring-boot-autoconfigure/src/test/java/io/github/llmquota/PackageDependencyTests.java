package io.github.llmquota;

import java.io.IOException;
import java.io.UncheckedIOException;
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

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests that the packages of the main sources depend on each other in layers:
 * {@code core} depends on no other llm-quota package, and no chain of dependencies leads
 * back to the package it started from. A dependency is any mention of another package's
 * type: an import, a static import, or a fully qualified name in code or Javadoc.
 */
class PackageDependencyTests {

	private static final String ROOT = "io.github.llmquota";

	private static final String CORE = ROOT + ".core";

	private static final Pattern PACKAGE = Pattern.compile("^package\\s+([\\w.]+)\\s*;", Pattern.MULTILINE);

	// A package is the lower-case segments before the first capitalised one (the type).
	private static final Pattern REFERENCE = Pattern
		.compile("\\b(" + Pattern.quote(ROOT) + "(?:\\.[a-z][a-z0-9_]*)*)\\.(?:[A-Z]|\\*)");

	private static final Path MAIN_SOURCES = Path.of("src/main/java");

	@Test
	void coreDependsOnNoOtherLlmQuotaPackage() {
		assertThat(outgoing(scan(MAIN_SOURCES), CORE)).isEmpty();
	}

	@Test
	void thePackageDependencyGraphHasNoCycle() {
		assertThat(cycles(scan(MAIN_SOURCES))).isEmpty();
	}

	@Test
	void theScanSeesEveryPackageOfTheMainSources() {
		Map<String, Set<String>> graph = scan(MAIN_SOURCES);
		assertThat(graph).containsKeys(CORE, ROOT + ".provider", ROOT + ".engine", ROOT + ".estimate",
				ROOT + ".autoconfigure");
		assertThat(graph.get(ROOT + ".provider")).contains(CORE);
	}

	@Test
	void oneImportFromCoreIntoProviderIsReportedAsCoreDependencyAndAsCycle() {
		Map<String, Set<String>> graph = scan(MAIN_SOURCES);
		add(graph, """
				package io.github.llmquota.core;

				import io.github.llmquota.provider.ProviderFeedbackParser;

				class Mutant {
				}
				""");
		assertThat(outgoing(graph, CORE)).containsExactly(ROOT + ".provider");
		assertThat(cycles(graph)).anySatisfy((cycle) -> assertThat(cycle).contains(CORE, ROOT + ".provider"));
	}

	@Test
	void aFullyQualifiedNameInJavadocCountsAsDependency() {
		Map<String, Set<String>> graph = new TreeMap<>();
		add(graph, """
				package io.github.llmquota.core;

				/** Read by {@link io.github.llmquota.engine.QuotaStore#snapshot}. */
				class Mutant {
				}
				""");
		assertThat(outgoing(graph, CORE)).containsExactly(ROOT + ".engine");
	}

	@Test
	void aCycleThroughThreePackagesIsReported() {
		Map<String, Set<String>> graph = new TreeMap<>();
		graph.put("a", new TreeSet<>(Set.of("b")));
		graph.put("b", new TreeSet<>(Set.of("c")));
		graph.put("c", new TreeSet<>(Set.of("a")));
		graph.put("d", new TreeSet<>(Set.of("a")));
		assertThat(cycles(graph)).containsExactly(List.of("a", "b", "c", "a"));
	}

	private static Map<String, Set<String>> scan(Path sources) {
		assertThat(sources).isDirectory();
		Map<String, Set<String>> graph = new TreeMap<>();
		try (Stream<Path> files = Files.walk(sources)) {
			files.filter((file) -> file.toString().endsWith(".java")).forEach((file) -> add(graph, read(file)));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		return graph;
	}

	private static String read(Path file) {
		try {
			return Files.readString(file);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private static void add(Map<String, Set<String>> graph, String source) {
		Matcher declared = PACKAGE.matcher(source);
		assertThat(declared.find()).as("package declaration").isTrue();
		String from = declared.group(1);
		Set<String> to = graph.computeIfAbsent(from, (key) -> new TreeSet<>());
		Matcher reference = REFERENCE.matcher(source.substring(declared.end()));
		while (reference.find()) {
			if (!reference.group(1).equals(from)) {
				to.add(reference.group(1));
			}
		}
	}

	private static Set<String> outgoing(Map<String, Set<String>> graph, String from) {
		return graph.getOrDefault(from, Set.of());
	}

	/**
	 * Return one cycle per package that starts one, each as the path back to its start.
	 */
	private static List<List<String>> cycles(Map<String, Set<String>> graph) {
		List<List<String>> cycles = new ArrayList<>();
		Set<String> done = new TreeSet<>();
		for (String start : graph.keySet()) {
			List<String> cycle = cycleFrom(graph, start, new ArrayList<>(List.of(start)), new TreeSet<>(done));
			if (cycle != null) {
				cycles.add(cycle);
			}
			done.add(start);
		}
		return cycles;
	}

	/**
	 * Depth-first from the end of the path; {@code seen} holds the packages that lead
	 * back to the start on no path: those started from before, and those explored
	 * already.
	 */
	private static List<String> cycleFrom(Map<String, Set<String>> graph, String start, List<String> path,
			Set<String> seen) {
		for (String next : outgoing(graph, path.get(path.size() - 1))) {
			if (next.equals(start)) {
				List<String> cycle = new ArrayList<>(path);
				cycle.add(start);
				return cycle;
			}
			if (seen.add(next)) {
				path.add(next);
				List<String> cycle = cycleFrom(graph, start, path, seen);
				if (cycle != null) {
					return cycle;
				}
				path.remove(path.size() - 1);
			}
		}
		return null;
	}

}
