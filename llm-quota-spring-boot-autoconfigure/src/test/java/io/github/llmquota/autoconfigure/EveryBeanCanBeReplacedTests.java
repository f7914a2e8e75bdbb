package io.github.llmquota.autoconfigure;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.annotation.ImportCandidates;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.util.ClassUtils;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every bean that any of our auto-configurations defines backs off when the application
 * defines its own, in the manner of Resilience4j's
 * {@code CircuitBreakerConfigurationOnMissingBeanTest}. The beans are discovered from the
 * classes listed in {@code AutoConfiguration.imports}, their nested configurations and
 * what they import, so a bean added later cannot be forgotten.
 */
class EveryBeanCanBeReplacedTests {

	@Test
	void everyBeanOfEveryAutoConfigurationBacksOffForAnApplicationBean() {
		List<String> autoConfigurations = autoConfigurations();
		assertThat(autoConfigurations).hasSizeGreaterThanOrEqualTo(10);
		List<Method> beans = beanMethods(autoConfigurations);
		assertThat(beans).hasSizeGreaterThanOrEqualTo(30);
		assertThat(notReplaceable(beans)).isEmpty();
	}

	@Test
	void aBeanWithoutConditionalOnMissingBeanIsReported() {
		List<Method> beans = beanMethods(List.of(Fixture.class.getName()));
		assertThat(beans).hasSize(3);
		assertThat(notReplaceable(beans)).containsExactlyInAnyOrder(Fixture.class.getName() + ".forgotten",
				Fixture.class.getName() + ".guardedByAnotherType");
	}

	// The test class path holds Spring Boot's own list too; ours are the ones in our
	// package.
	private static List<String> autoConfigurations() {
		return ImportCandidates.load(AutoConfiguration.class, EveryBeanCanBeReplacedTests.class.getClassLoader())
			.getCandidates()
			.stream()
			.filter((name) -> name.startsWith(LlmQuotaAutoConfiguration.class.getPackageName() + "."))
			.toList();
	}

	private static List<Method> beanMethods(List<String> autoConfigurations) {
		Set<Class<?>> configurations = new LinkedHashSet<>();
		for (String name : autoConfigurations) {
			collect(ClassUtils.resolveClassName(name, EveryBeanCanBeReplacedTests.class.getClassLoader()),
					configurations);
		}
		List<Method> beans = new ArrayList<>();
		for (Class<?> configuration : configurations) {
			for (Method method : configuration.getDeclaredMethods()) {
				if (method.isAnnotationPresent(Bean.class)) {
					beans.add(method);
				}
			}
		}
		return beans;
	}

	// Nested and imported configurations hold beans too: the optional-library ones live
	// there.
	private static void collect(Class<?> configuration, Set<Class<?>> configurations) {
		if (!configurations.add(configuration)) {
			return;
		}
		for (Class<?> nested : configuration.getDeclaredClasses()) {
			if (nested.isAnnotationPresent(Configuration.class)) {
				collect(nested, configurations);
			}
		}
		Import imports = configuration.getAnnotation(Import.class);
		if (imports != null) {
			for (Class<?> imported : imports.value()) {
				collect(imported, configurations);
			}
		}
	}

	private static List<String> notReplaceable(List<Method> beans) {
		return beans.stream()
			.filter((method) -> !backsOffForItsOwnType(method))
			.map((method) -> method.getDeclaringClass().getName() + "." + method.getName())
			.toList();
	}

	// Without a type the condition looks for the return type; with one, a bean of the
	// return type must still match it, or an application bean of that type would not back
	// it off. Contributors of which several may coexist back off by bean name instead.
	private static boolean backsOffForItsOwnType(Method method) {
		ConditionalOnMissingBean condition = method.getAnnotation(ConditionalOnMissingBean.class);
		if (condition == null) {
			return false;
		}
		if (condition.value().length == 0 && condition.type().length == 0 && condition.name().length == 0
				&& condition.annotation().length == 0) {
			return true;
		}
		if (List.of(condition.name()).contains(method.getName())) {
			return true;
		}
		for (Class<?> type : condition.value()) {
			if (type.isAssignableFrom(method.getReturnType())) {
				return true;
			}
		}
		return false;
	}

	@Configuration(proxyBeanMethods = false)
	static class Fixture {

		@Bean
		@ConditionalOnMissingBean
		String replaceable() {
			return "replaceable";
		}

		@Bean
		Integer forgotten() {
			return 1;
		}

		@Bean
		@ConditionalOnMissingBean(CharSequence.class)
		Long guardedByAnotherType() {
			return 2L;
		}

	}

}
