// LanceDB logs routine events ("no existing dataset, it will be created") as warnings on stderr.
// Its native logger reads this variable when it loads, so this module is imported before it.
process.env.LANCEDB_LOG ??= 'error';
