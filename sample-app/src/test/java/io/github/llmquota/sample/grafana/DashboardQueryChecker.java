package io.github.llmquota.sample.grafana;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Checks the PromQL queries of a Grafana dashboard against a Prometheus scrape: every
 * series a query names (with its {@code _bucket}, {@code _count}, {@code _sum},
 * {@code _max} or {@code _total} suffix) must be in the scrape, every label of a matcher
 * must be one of that series' labels, and every label of a {@code by}, {@code without},
 * {@code on} or {@code ignoring} clause one of the labels of a series of the same query.
 * Function and aggregation names, keywords, numbers, strings, durations and Grafana
 * variables ({@code $pool}, {@code $__rate_interval}) are told apart from series names.
 */
final class DashboardQueryChecker {

	private static final Set<String> KEYWORDS = Set.of("by", "without", "on", "ignoring", "group_left", "group_right",
			"bool", "and", "or", "unless", "offset", "inf", "nan", "sum", "min", "max", "avg", "count", "stddev",
			"stdvar", "topk", "bottomk", "quantile", "count_values", "group");

	private static final Set<String> LABEL_CLAUSES = Set.of("by", "without", "on", "ignoring", "group_left",
			"group_right");

	// Grafana's label_values(metric, label) template query: not PromQL, but names both.
	private static final Pattern LABEL_VALUES = Pattern
		.compile("label_values\\(\\s*([^,]+?)\\s*,\\s*([a-zA-Z_][a-zA-Z0-9_]*)\\s*\\)");

	private static final Pattern LEGEND_LABEL = Pattern.compile("\\{\\{\\s*([a-zA-Z_][a-zA-Z0-9_]*)\\s*}}");

	private final Map<String, Set<String>> series;

	/**
	 * Create a checker of queries against a scrape.
	 * @param scrape the text a Prometheus endpoint answered
	 */
	DashboardQueryChecker(String scrape) {
		this.series = parseScrape(scrape);
	}

	/**
	 * Return the series names in the scrape, each with the labels it has.
	 * @return the series
	 */
	Map<String, Set<String>> series() {
		return this.series;
	}

	/**
	 * Return every query of a dashboard: each panel target's {@code expr} (rows' panels
	 * included) and each template variable's query.
	 * @param dashboard the dashboard JSON
	 * @return the queries, in the dashboard's order
	 */
	static List<String> queries(JsonNode dashboard) {
		List<String> queries = new ArrayList<>();
		collectExpressions(dashboard.path("panels"), queries);
		for (JsonNode variable : dashboard.path("templating").path("list")) {
			if ("query".equals(variable.path("type").asText())) {
				JsonNode query = variable.path("query");
				queries.add(query.isObject() ? query.path("query").asText() : query.asText());
			}
		}
		return queries;
	}

	private static void collectExpressions(JsonNode panels, List<String> queries) {
		for (JsonNode panel : panels) {
			for (JsonNode target : panel.path("targets")) {
				if (target.hasNonNull("expr")) {
					queries.add(target.get("expr").asText());
				}
			}
			collectExpressions(panel.path("panels"), queries);
		}
	}

	/**
	 * Return what is wrong with the legends of a dashboard's panel targets: each
	 * {@code {{label}}} must be a label the target's query keeps, the labels it groups by
	 * when it groups, else the labels of its series.
	 * @param dashboard the dashboard JSON
	 * @return the problems, empty when every legend names a label its query keeps
	 */
	List<String> legendProblems(JsonNode dashboard) {
		List<String> problems = new ArrayList<>();
		collectLegendProblems(dashboard.path("panels"), problems);
		return problems;
	}

	private void collectLegendProblems(JsonNode panels, List<String> problems) {
		for (JsonNode panel : panels) {
			for (JsonNode target : panel.path("targets")) {
				String expr = target.path("expr").asText();
				Parsed parsed = parse(expr);
				Set<String> kept = new TreeSet<>(parsed.groupingLabels());
				if (kept.isEmpty()) {
					parsed.selectors()
						.keySet()
						.forEach((name) -> kept.addAll(this.series.getOrDefault(name, Set.of())));
				}
				Matcher legend = LEGEND_LABEL.matcher(target.path("legendFormat").asText());
				while (legend.find()) {
					if (!kept.contains(legend.group(1))) {
						problems.add("legend of `" + expr + "` shows label `" + legend.group(1)
								+ "`, which the query does not keep (it keeps " + kept + ")");
					}
				}
			}
			collectLegendProblems(panel.path("panels"), problems);
		}
	}

	/**
	 * Return what is wrong with the queries: one line per unknown series or label.
	 * @param queries the queries
	 * @return the problems, empty when every query only names what the scrape has
	 */
	List<String> problems(List<String> queries) {
		List<String> problems = new ArrayList<>();
		for (String query : queries) {
			problems.addAll(problems(query));
		}
		return problems;
	}

	/**
	 * Return what is wrong with one query.
	 * @param query the query
	 * @return the problems
	 */
	List<String> problems(String query) {
		Parsed parsed = parse(query);
		List<String> problems = new ArrayList<>();
		if (parsed.selectors().isEmpty()) {
			problems.add("`" + query + "` names no series");
		}
		Set<String> queryLabels = new TreeSet<>();
		parsed.selectors().forEach((name, labels) -> {
			Set<String> known = this.series.get(name);
			if (known == null) {
				problems.add("`" + query + "` names series `" + name + "`, which the scrape does not have");
				return;
			}
			queryLabels.addAll(known);
			for (String label : labels) {
				if (!known.contains(label)) {
					problems.add("`" + query + "` matches label `" + label + "`, which series `" + name
							+ "` does not have (it has " + known + ")");
				}
			}
		});
		for (String label : parsed.groupingLabels()) {
			if (!queryLabels.isEmpty() && !queryLabels.contains(label)) {
				problems.add("`" + query + "` groups by label `" + label
						+ "`, which no series of the query has (they have " + queryLabels + ")");
			}
		}
		return problems;
	}

	/**
	 * Parse a query into the series it selects, each with the labels its matchers name,
	 * and the labels of its grouping clauses.
	 * @param query the query
	 * @return what it names
	 */
	static Parsed parse(String query) {
		Map<String, Set<String>> selectors = new LinkedHashMap<>();
		Set<String> grouping = new LinkedHashSet<>();
		Matcher labelValues = LABEL_VALUES.matcher(query);
		String expression = query;
		if (labelValues.find()) {
			grouping.add(labelValues.group(2));
			expression = labelValues.group(1);
		}
		int i = 0;
		String pendingClause = null;
		String lastSeries = null;
		while (i < expression.length()) {
			char c = expression.charAt(i);
			if (c == '"' || c == '\'' || c == '`') {
				i = skipString(expression, i);
			}
			else if (c == '[') {
				i = expression.indexOf(']', i) + 1;
			}
			else if (c == '{') {
				int end = expression.indexOf('}', i);
				Set<String> labels = selectors.computeIfAbsent((lastSeries != null) ? lastSeries : "",
						(k) -> new LinkedHashSet<>());
				labels.addAll(matcherLabels(expression.substring(i + 1, end)));
				i = end + 1;
			}
			else if (c == '$') {
				i = skipWord(expression, i + 1);
			}
			else if (Character.isDigit(c)
					|| (c == '.' && i + 1 < expression.length() && Character.isDigit(expression.charAt(i + 1)))) {
				i = skipNumber(expression, i);
			}
			else if (Character.isLetter(c) || c == '_' || c == ':') {
				int end = skipWord(expression, i);
				String word = expression.substring(i, end);
				int next = skipSpaces(expression, end);
				boolean call = next < expression.length() && expression.charAt(next) == '(';
				if (pendingClause != null && !LABEL_CLAUSES.contains(word)) {
					// group_left and group_right may go without a label list.
					pendingClause = null;
				}
				if (LABEL_CLAUSES.contains(word)) {
					pendingClause = word;
					lastSeries = null;
				}
				else if (call && pendingClause == null && !KEYWORDS.contains(word)) {
					lastSeries = null; // a function
				}
				else if (!KEYWORDS.contains(word)) {
					selectors.computeIfAbsent(word, (k) -> new LinkedHashSet<>());
					lastSeries = word;
				}
				else {
					lastSeries = null;
				}
				i = end;
			}
			else if (c == '(' && pendingClause != null) {
				int end = expression.indexOf(')', i);
				for (String label : expression.substring(i + 1, end).split(",")) {
					if (!label.isBlank()) {
						grouping.add(label.trim());
					}
				}
				pendingClause = null;
				i = end + 1;
			}
			else {
				if (!Character.isWhitespace(c)) {
					lastSeries = null;
				}
				i++;
			}
		}
		// A bare {matchers} selector, which names no series, keeps its labels unchecked.
		selectors.remove("");
		return new Parsed(selectors, grouping);
	}

	private static Set<String> matcherLabels(String matchers) {
		Set<String> labels = new LinkedHashSet<>();
		int i = 0;
		while (i < matchers.length()) {
			char c = matchers.charAt(i);
			if (c == '"' || c == '\'' || c == '`') {
				i = skipString(matchers, i);
			}
			else if (Character.isLetter(c) || c == '_') {
				int end = skipWord(matchers, i);
				labels.add(matchers.substring(i, end));
				i = end;
			}
			else {
				i++;
			}
		}
		return labels;
	}

	private static int skipString(String text, int start) {
		char quote = text.charAt(start);
		int i = start + 1;
		while (i < text.length() && text.charAt(i) != quote) {
			i += (text.charAt(i) == '\\') ? 2 : 1;
		}
		return i + 1;
	}

	private static int skipWord(String text, int start) {
		int i = start;
		while (i < text.length()
				&& (Character.isLetterOrDigit(text.charAt(i)) || text.charAt(i) == '_' || text.charAt(i) == ':')) {
			i++;
		}
		return i;
	}

	private static int skipNumber(String text, int start) {
		int i = start;
		while (i < text.length() && (Character.isLetterOrDigit(text.charAt(i)) || text.charAt(i) == '.')) {
			i++;
		}
		return i;
	}

	private static int skipSpaces(String text, int start) {
		int i = start;
		while (i < text.length() && Character.isWhitespace(text.charAt(i))) {
			i++;
		}
		return i;
	}

	// The text exposition format: "name{label="value",...} value [timestamp]".
	private static Map<String, Set<String>> parseScrape(String scrape) {
		Map<String, Set<String>> series = new HashMap<>();
		for (String line : scrape.split("\n")) {
			if (line.isBlank() || line.startsWith("#")) {
				continue;
			}
			int end = skipWord(line, 0);
			Set<String> labels = series.computeIfAbsent(line.substring(0, end), (k) -> new TreeSet<>());
			if (end < line.length() && line.charAt(end) == '{') {
				int i = end + 1;
				while (i < line.length() && line.charAt(i) != '}') {
					int nameEnd = skipWord(line, i);
					labels.add(line.substring(i, nameEnd));
					i = skipString(line, nameEnd + 1);
					if (i < line.length() && line.charAt(i) == ',') {
						i++;
					}
				}
			}
		}
		return series;
	}

	/**
	 * What a query names.
	 *
	 * @param selectors each series it selects, with the labels its matchers name
	 * @param groupingLabels the labels of its grouping clauses
	 */
	record Parsed(Map<String, Set<String>> selectors, Set<String> groupingLabels) {
	}

}
