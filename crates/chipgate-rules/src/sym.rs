//! Interned text of rule data: ids, citations, URLs, regulation words.
//!
//! Rule data is loaded once and lives as long as the process, while every determination
//! copies ids and citations into its trace. Interning those strings into `&'static str`
//! makes that copy a pointer copy: no allocation, no reference count. The cost is that
//! interned text is never freed; it is bounded by the distinct strings in the data files
//! (a few hundred kilobytes), since loading the same data again reuses the same strings.
//! Never intern request input (party names, exporter text): that would grow without bound.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Mutex, OnceLock, PoisonError};

/// An interned string from rule or reference data.
pub type Sym = &'static str;

fn strings() -> &'static Mutex<HashSet<&'static str>> {
    static STRINGS: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    STRINGS.get_or_init(|| Mutex::new(HashSet::new()))
}

fn lists() -> &'static Mutex<HashSet<&'static [Sym]>> {
    static LISTS: OnceLock<Mutex<HashSet<&'static [Sym]>>> = OnceLock::new();
    LISTS.get_or_init(|| Mutex::new(HashSet::new()))
}

/// The interned copy of `text` (the same pointer for the same text, process-wide).
pub fn intern(text: &str) -> Sym {
    let mut set = strings().lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(existing) = set.get(text) {
        return existing;
    }
    let leaked: &'static str = Box::leak(text.to_owned().into_boxed_str());
    set.insert(leaked);
    leaked
}

/// FxHash (rustc's hasher): a multiply and a rotate per word, for keys of a few pointers.
#[derive(Default)]
struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn write_usize(&mut self, word: usize) {
        self.write_u64(word as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type ByAddress = HashMap<u64, &'static [Sym], BuildHasherDefault<FxHasher>>;

thread_local! {
    /// Lists already interned by this thread, keyed by a hash of the addresses of their
    /// `'static` texts: no lock and no hashing of text on the hot path.
    static BY_ADDRESS: RefCell<ByAddress> = RefCell::new(ByAddress::default());
}

/// The interned copy of a list of `'static` texts, such as [`Sym`]s, by way of a
/// per-thread cache: for lists built per request from data (an item's ECCN paragraphs,
/// the groups of two headquarters).
pub fn intern_syms(items: &[&'static str]) -> &'static [Sym] {
    if items.is_empty() {
        return &[];
    }
    let mut hasher = FxHasher::default();
    for s in items {
        hasher.write_usize(s.as_ptr() as usize);
        hasher.write_usize(s.len());
    }
    let key = hasher.finish();
    BY_ADDRESS.with(|cache| {
        // A hit is checked by content, so a hash collision costs a slow path, never a
        // wrong list.
        if let Some(&list) = cache.borrow().get(&key) {
            if list.len() == items.len() && list.iter().zip(items).all(|(a, b)| a == b) {
                return list;
            }
        }
        let list = intern_list(items);
        cache.borrow_mut().insert(key, list);
        list
    })
}

/// The interned copy of a list of texts (each text and the list itself interned).
pub fn intern_list<S: AsRef<str>>(items: &[S]) -> &'static [Sym] {
    let syms: Vec<Sym> = items.iter().map(|s| intern(s.as_ref())).collect();
    let mut set = lists().lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(existing) = set.get(syms.as_slice()) {
        return existing;
    }
    let leaked: &'static [Sym] = Box::leak(syms.into_boxed_slice());
    set.insert(leaked);
    leaked
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_text_same_pointer() {
        let a = intern(&String::from("3A090.a"));
        let b = intern("3A090.a");
        assert!(std::ptr::eq(a, b));
        assert_eq!(a, "3A090.a");
        let c = intern("3A090.b");
        assert!(!std::ptr::eq(a, c));
    }

    #[test]
    fn lists_of_syms_are_cached_by_address() {
        let owned = String::from("3A090.c");
        let a = intern_syms(&[intern("3A090.a"), "4A090.a"]);
        let b = intern_list(&["3A090.a", "4A090.a"]);
        assert!(std::ptr::eq(a, b));
        assert!(std::ptr::eq(a, intern_syms(&[intern("3A090.a"), "4A090.a"])));
        assert_eq!(intern_syms(&[intern(&owned)]), &["3A090.c"]);
        assert!(intern_syms(&[]).is_empty());
    }

    #[test]
    fn lists_are_shared() {
        let a = intern_list(&["D:1", "D:4"]);
        let b = intern_list(&[String::from("D:1"), String::from("D:4")]);
        assert!(std::ptr::eq(a, b));
        assert!(std::ptr::eq(a[0], intern("D:1")));
        assert_ne!(intern_list(&["D:4", "D:1"]), a);
    }
}
