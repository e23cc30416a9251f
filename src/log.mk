# log.mk - automake fragment (owned by its module)
