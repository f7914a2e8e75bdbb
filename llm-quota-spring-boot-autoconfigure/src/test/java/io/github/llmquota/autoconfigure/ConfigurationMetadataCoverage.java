package io.github.llmquota.autoconfigure;

import java.beans.PropertyDescriptor;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.AnnotatedElement;
import java.net.URL;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.springframework.beans.BeanUtils;
import org.springframework.boot.actuate.autoconfigure.health.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.bind.DataObjectPropertyName;
import org.springframework.core.ResolvableType;
import org.springframework.core.annotation.MergedAnnotation;
import org.springframework.core.annotation.MergedAnnotations;
import org.springframework.util.StringUtils;

/**
 * Compares configuration metadata with the properties the binder accepts. A property is
 * every path a user can set: each settable scalar of {@link LlmQuotaProperties} and its
 * nested types, with {@code *} standing for a map key and {@code [*]} for a list index
 * (the form {@code additional-spring-configuration-metadata.json} documents them in), and
 * every property an auto-configuration condition reads.
 */
final class ConfigurationMetadataCoverage {

	static final String METADATA = "META-INF/spring-configuration-metadata.json";

	private final Set<String> accepted;

	private final JsonNode metadata;

	ConfigurationMetadataCoverage(Set<String> accepted, JsonNode metadata) {
		this.accepted = accepted;
		this.metadata = metadata;
	}

	/**
	 * Return the metadata that the build generated for the module that holds
	 * {@link LlmQuotaProperties}: the processor's output merged with the additional file.
	 * Other jars on the class path carry files of the same name, so it is read from this
	 * module's own output directory, never by a class path lookup.
	 */
	static JsonNode generatedMetadata() throws IOException {
		URL classes = LlmQuotaProperties.class.getProtectionDomain().getCodeSource().getLocation();
		try (InputStream in = new URL(classes, METADATA).openStream()) {
			return new ObjectMapper().readTree(in);
		}
	}

	/**
	 * Return every property path the binder accepts under a prefix.
	 * @param prefix the prefix the type is bound to
	 * @param type the configuration properties type
	 * @return the paths, sorted
	 */
	static Set<String> acceptedProperties(String prefix, Class<?> type) {
		Set<String> paths = new TreeSet<>();
		walk(prefix, type, paths);
		return paths;
	}

	/**
	 * Return the properties that the conditions of auto-configuration classes read, from
	 * {@code @ConditionalOnProperty} and {@code @ConditionalOnEnabledHealthIndicator} on
	 * the classes, their bean methods and their nested configurations.
	 * @param configurations the auto-configuration classes
	 * @return the property names, sorted
	 */
	static Set<String> conditionProperties(Collection<Class<?>> configurations) {
		Set<String> names = new TreeSet<>();
		for (Class<?> configuration : configurations) {
			collectConditions(configuration, names);
		}
		return names;
	}

	private static void collectConditions(Class<?> type, Set<String> names) {
		conditionsOn(type, names);
		for (var method : type.getDeclaredMethods()) {
			conditionsOn(method, names);
		}
		for (Class<?> nested : type.getDeclaredClasses()) {
			collectConditions(nested, names);
		}
	}

	private static void conditionsOn(AnnotatedElement element, Set<String> names) {
		MergedAnnotations annotations = MergedAnnotations.from(element);
		annotations.stream(ConditionalOnProperty.class).forEach((condition) -> {
			String prefix = condition.getString("prefix");
			String[] properties = condition.getStringArray("name");
			if (properties.length == 0) {
				properties = condition.getStringArray("value");
			}
			for (String property : properties) {
				names.add(StringUtils.hasText(prefix) ? prefix + "." + property : property);
			}
		});
		MergedAnnotation<ConditionalOnEnabledHealthIndicator> health = annotations
			.get(ConditionalOnEnabledHealthIndicator.class);
		if (health.isPresent()) {
			names.add("management.health." + health.getString("value") + ".enabled");
		}
	}

	private static void walk(String prefix, Class<?> type, Set<String> paths) {
		for (PropertyDescriptor descriptor : BeanUtils.getPropertyDescriptors(type)) {
			if (descriptor.getReadMethod() == null || "class".equals(descriptor.getName())) {
				continue;
			}
			String path = prefix + "." + DataObjectPropertyName.toDashedForm(descriptor.getName());
			ResolvableType propertyType = ResolvableType.forMethodReturnType(descriptor.getReadMethod());
			Class<?> raw = propertyType.resolve(Object.class);
			if (isNestedBean(raw)) {
				// A group: the binder fills the instance the getter returns.
				walk(path, raw, paths);
			}
			else if (descriptor.getWriteMethod() != null) {
				paths.add(path);
				descend(path, propertyType, paths);
			}
		}
	}

	// Boot's configuration processor stops at a map value or a list element; the binder
	// does not, so neither does this walk.
	private static void descend(String path, ResolvableType type, Set<String> paths) {
		if (type.isArray() || Collection.class.isAssignableFrom(type.toClass())) {
			Class<?> element = type.isArray() ? type.getComponentType().toClass()
					: type.asCollection().getGeneric(0).toClass();
			if (isNestedBean(element)) {
				walk(path + "[*]", element, paths);
			}
		}
		else if (Map.class.isAssignableFrom(type.toClass())) {
			Class<?> value = type.asMap().getGeneric(1).toClass();
			if (isNestedBean(value)) {
				walk(path + ".*", value, paths);
			}
		}
	}

	// Our own non-enum types are groups of properties; everything else (String, Duration,
	// enums, numbers) is one value.
	private static boolean isNestedBean(Class<?> type) {
		return !type.isEnum() && !type.isPrimitive() && type.getPackageName().startsWith("io.github.llmquota");
	}

	/**
	 * Return the accepted properties that the metadata does not describe: missing, or
	 * present without a description.
	 * @return the property names, sorted
	 */
	List<String> undocumented() {
		List<String> undocumented = new ArrayList<>();
		for (String name : this.accepted) {
			JsonNode property = property(name);
			if (property == null || !StringUtils.hasText(property.path("description").asText(null))) {
				undocumented.add(name);
			}
		}
		return undocumented;
	}

	/**
	 * Return the properties under a prefix that the metadata describes but the binder
	 * does not accept, such as a misspelled hand-written entry or a removed field. An
	 * entry deprecated at level {@code error} names a removed property on purpose, to
	 * tell its replacement, and is not reported.
	 * @param prefix the prefix to check
	 * @return the property names, sorted
	 */
	List<String> unknown(String prefix) {
		List<String> unknown = new ArrayList<>();
		for (JsonNode property : this.metadata.path("properties")) {
			String name = property.path("name").asText();
			if (name.startsWith(prefix + ".") && !this.accepted.contains(name) && !removed(property)) {
				unknown.add(name);
			}
		}
		return unknown;
	}

	/**
	 * Return the properties the metadata declares removed (deprecated at level
	 * {@code error}) with their replacements.
	 * @return replacement by property name
	 */
	Map<String, String> removed() {
		Map<String, String> removed = new TreeMap<>();
		for (JsonNode property : this.metadata.path("properties")) {
			if (removed(property)) {
				removed.put(property.path("name").asText(), property.path("deprecation").path("replacement").asText());
			}
		}
		return removed;
	}

	private static boolean removed(JsonNode property) {
		return "error".equals(property.path("deprecation").path("level").asText());
	}

	/**
	 * Return the hints whose name is neither a documented property nor the keys or values
	 * of one.
	 * @return the hint names
	 */
	List<String> danglingHints() {
		List<String> dangling = new ArrayList<>();
		for (JsonNode hint : this.metadata.path("hints")) {
			String name = hint.path("name").asText();
			String target = name.replaceFirst("\\.(keys|values)$", "");
			if (property(name) == null && property(target) == null) {
				dangling.add(name);
			}
		}
		return dangling;
	}

	/**
	 * Return the values a hint suggests.
	 * @param name the hint name
	 * @return the values, in order, or an empty list if there is no such hint
	 */
	List<String> hintValues(String name) {
		List<String> values = new ArrayList<>();
		for (JsonNode hint : this.metadata.path("hints")) {
			if (name.equals(hint.path("name").asText())) {
				hint.path("values").forEach((value) -> values.add(value.path("value").asText()));
			}
		}
		return values;
	}

	private JsonNode property(String name) {
		for (JsonNode property : this.metadata.path("properties")) {
			if (name.equals(property.path("name").asText())) {
				return property;
			}
		}
		return null;
	}

}
