package io.github.llmquota.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.util.Arrays;

/**
 * Loads one package of ours afresh while hiding some libraries, to prove that its classes
 * load and work when an optional dependency is missing. Unlike Boot's
 * {@code FilteredClassLoader}, it defines our classes itself, so their references resolve
 * here and meet the hidden libraries' absence.
 */
public final class IsolatingClassLoader extends ClassLoader {

	private final String isolatedPackage;

	private final String[] hiddenPackages;

	public IsolatingClassLoader(String isolatedPackage, String... hiddenPackages) {
		super(IsolatingClassLoader.class.getClassLoader());
		this.isolatedPackage = isolatedPackage + ".";
		this.hiddenPackages = Arrays.stream(hiddenPackages).map((name) -> name + ".").toArray(String[]::new);
	}

	@Override
	protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
		synchronized (getClassLoadingLock(name)) {
			if (isHidden(name)) {
				throw new ClassNotFoundException(name);
			}
			if (!name.startsWith(this.isolatedPackage)) {
				return super.loadClass(name, resolve);
			}
			Class<?> type = findLoadedClass(name);
			if (type == null) {
				byte[] bytes = readClass(name);
				type = defineClass(name, bytes, 0, bytes.length);
			}
			if (resolve) {
				resolveClass(type);
			}
			return type;
		}
	}

	@Override
	public URL getResource(String name) {
		return isHidden(name.replace('/', '.')) ? null : super.getResource(name);
	}

	private boolean isHidden(String name) {
		return Arrays.stream(this.hiddenPackages).anyMatch(name::startsWith);
	}

	private byte[] readClass(String name) throws ClassNotFoundException {
		try (InputStream stream = getParent().getResourceAsStream(name.replace('.', '/') + ".class")) {
			if (stream == null) {
				throw new ClassNotFoundException(name);
			}
			return stream.readAllBytes();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
